using System.Diagnostics.CodeAnalysis;

namespace VbiOrleans.Protocol.Versions;

/// <summary>
/// The <c>Vbi-Client</c> request header: <c>PRODUCT/VERSION</c> (for example <c>vbi-cli/1.2.3</c>), one product
/// token as in User-Agent. A header of its own, not User-Agent, so that a proxy or an HTTP library that rewrites
/// User-Agent cannot make a current client look old, and code that sends no header (curl, a partner's own code) is
/// never judged by it.
/// </summary>
public static class ClientHeader
{
    public const string Name = "Vbi-Client";
    public const string SdkProduct = "vbi-sdk";
    public const string CliProduct = "vbi-cli";

    /// <summary>Bounds what the server reads of the header.</summary>
    public const int MaxLength = 100;

    public static string Format(string product, ClientVersion version) => $"{product}/{version}";

    /// <summary>Reads <c>PRODUCT/VERSION</c>: a product of letters, digits, '-' and '.', then a <see cref="ClientVersion"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out string? product, [NotNullWhen(true)] out ClientVersion? version)
    {
        product = null;
        version = null;
        value = value.Trim(' ');
        var slash = value.IndexOf('/');
        if (value.Length > MaxLength || slash <= 0) return false;
        foreach (var c in value[..slash])
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '.') return false;
        }
        if (!ClientVersion.TryParse(value[(slash + 1)..], out version)) return false;
        product = value[..slash].ToString();
        return true;
    }
}
