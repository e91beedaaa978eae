using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace VbiOrleans.Hsm.KeyVault;

/// <summary>
/// Maps HSM labels to Key Vault key names. Key names allow only [0-9a-zA-Z-], at most 127 characters, and Key Vault
/// compares them without regard to case, while labels are any text compared exactly. The map must never send two
/// labels to one name:
/// <list type="bullet">
/// <item>A label of lower-case letters and digits in runs joined by single hyphens ("module-master",
/// "meter-34576590-indicium"), up to 127 characters, is its own name, so operators recognise it in the portal.</item>
/// <item>Any other label becomes "vbi--" and the lower-case hex SHA-256 of its UTF-8 bytes (69 characters). Plain
/// names never contain "--", so the two forms cannot meet; case folding cannot merge two plain names (they have no
/// upper case) nor two hex names.</item>
/// </list>
/// Every key <see cref="KeyVaultHsm"/> creates also carries its label in the tag <c>vbi-label</c>, checked on every look-up.
/// </summary>
public static partial class KeyVaultKeyName
{
    public const int MaxLength = 127;
    private const string HashedPrefix = "vbi--";

    public static string For(string label)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        return label.Length <= MaxLength && PlainLabel().IsMatch(label)
            ? label
            : HashedPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(label)));
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PlainLabel();
}
