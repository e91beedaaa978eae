using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace VbiOrleans.Labels.ScanForms;

/// <summary>
/// PDFsharp draws the XMP document ids and the font subset tags from <c>Guid.NewGuid()</c>; the SCAN form, still drawn
/// with PDFsharp, replaces them after saving by values of the same length derived from its own id, so the same form
/// is the same bytes.
/// </summary>
internal static partial class PdfSharpIdentifiers
{
    public static byte[] Replace(byte[] pdf, byte[] id)
    {
        var text = Encoding.Latin1.GetString(pdf); // one char per byte, both ways
        var uuid = new Guid(id).ToString("D");
        text = XmpUuid().Replace(text, uuid);
        text = SubsetTag().Replace(text, match => SubsetTagFor(id, match.Groups["name"].Value));
        return Encoding.Latin1.GetBytes(text);
    }

    private static string SubsetTagFor(byte[] id, string fontName)
    {
        var hash = SHA256.HashData([.. id, .. Encoding.ASCII.GetBytes(fontName)]);
        return string.Concat(hash.Take(6).Select(b => (char)('A' + (b % 26))));
    }

    [GeneratedRegex(@"(?<=<xmpMM:(?:DocumentID|InstanceID)>uuid:)[0-9a-fA-F-]{36}(?=</xmpMM:)", RegexOptions.CultureInvariant)]
    private static partial Regex XmpUuid();

    [GeneratedRegex(@"(?<=/(?:BaseFont|FontName)/)[A-Z]{6}(?=\+(?<name>[A-Za-z0-9#,\-]+))", RegexOptions.CultureInvariant)]
    private static partial Regex SubsetTag();
}
