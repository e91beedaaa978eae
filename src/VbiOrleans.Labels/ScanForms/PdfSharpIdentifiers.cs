using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.License;
using PdfSharp.Pdf;
using VbiOrleans.Labels.Fonts;

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

/// <summary>
/// A PDF drawn with PDFsharp that is the same bytes for the same content (the SCAN form, the invoice): its dates are the
/// document's own date, its trailer ids and the ids PDFsharp draws at random (<see cref="PdfSharpIdentifiers"/>) are
/// derived from 16 bytes of SHA-256 over <c>identity</c>, a description of everything the document shows.
/// </summary>
internal static class DeterministicPdf
{
    /// <summary>A new document with its title, creator, dates and trailer ids set; <paramref name="id"/> is for <see cref="Save"/>.</summary>
    /// <exception cref="LabelException">PDFsharp's license was not loaded at start-up (<see cref="LabelError.PdfLibraryNotLicensed"/>).</exception>
    public static PdfDocument Create(string title, string creator, DateOnly date, string identity, out byte[] id)
    {
        DejaVuFontResolver.EnsureRegistered();
        id = SHA256.HashData(Encoding.UTF8.GetBytes(identity))[..16];
        PdfDocument document;
        try
        {
            document = new PdfDocument();
        }
        catch (PdfSharpLicenseException e)
        {
            throw new LabelException(
                LabelError.PdfLibraryNotLicensed,
                $"PDFsharp needs a license loaded by the host at start-up, PdfSharpLicense.SetAgplLicense() (AGPL-3.0) or PdfSharpLicense.LoadLicense(key) (commercial): {e.Message}");
        }
        document.Info.Title = title;
        document.Info.Creator = creator;
        var at = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        document.Info.CreationDate = at;
        document.Info.ModificationDate = at;
        var trailerId = Encoding.Latin1.GetString(id);
        document.Internals.FirstDocumentID = trailerId;
        document.Internals.SecondDocumentID = trailerId;
        return document;
    }

    /// <summary>The document's bytes, with PDFsharp's random ids replaced by ones derived from <paramref name="id"/>.</summary>
    public static byte[] Save(PdfDocument document, byte[] id)
    {
        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return PdfSharpIdentifiers.Replace(stream.ToArray(), id);
    }
}
