using System.Text;

namespace VbiOrleans.Hsm;

/// <summary>
/// The additional authenticated data of every wrapped blob: it binds the blob to the label of the key that wrapped it,
/// so a blob cannot be unwrapped under a second key by accident, even one holding the same secret.
/// </summary>
internal static class WrapContext
{
    public static byte[] For(string wrappingKeyLabel) => Encoding.UTF8.GetBytes("vbi-wrap:" + wrappingKeyLabel);
}
