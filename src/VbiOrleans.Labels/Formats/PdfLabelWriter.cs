using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Drawing;
using PdfSharp.License;
using PdfSharp.Pdf;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The label as a one-page PDF the size of the piece (72 points to the inch). The symbol is one filled path of run
/// rectangles, placed on the same dot grid as the other formats; text is DejaVu Sans, embedded as a subset.
/// PDFsharp 6.5 is dual-licensed (AGPL-3.0-only or commercial) and refuses to work until the host process loads
/// one of the two licenses (<c>PdfSharpLicense.SetAgplLicense()</c> or <c>LoadLicense(key)</c>). Choosing is the
/// host's decision, not this library's: without a license, PDF labels fail with <see cref="LabelError.PdfLibraryNotLicensed"/>.
/// </summary>
internal static partial class PdfLabelWriter
{
    public static byte[] Write(LabelPlan plan, DateOnly dateOfMailing)
    {
        DejaVuFontResolver.EnsureRegistered();
        double pointsPerDot = 72.0 / plan.Dpi;
        var id = DocumentId(plan);

        using var document = NewDocument();
        document.Info.Title = string.Join(' ', plan.Text.Take(2).Select(t => t.Text));
        document.Info.Creator = "VbiOrleans.Labels";
        var date = dateOfMailing.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        document.Info.CreationDate = date;
        document.Info.ModificationDate = date;
        var trailerId = Encoding.Latin1.GetString(id);
        document.Internals.FirstDocumentID = trailerId;
        document.Internals.SecondDocumentID = trailerId;

        var page = document.AddPage();
        page.Width = XUnitPt.FromPoint(plan.WidthInches * 72);
        page.Height = XUnitPt.FromPoint(plan.HeightInches * 72);
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var barcode = plan.Barcode;
            var path = new XGraphicsPath { FillMode = XFillMode.Winding };
            foreach (var run in ModuleRun.Of(barcode.Symbol))
            {
                path.AddRectangle(
                    (barcode.Left + (run.Column * barcode.ModuleDots)) * pointsPerDot,
                    (barcode.Top + (run.Row * barcode.ModuleDots)) * pointsPerDot,
                    run.Length * barcode.ModuleDots * pointsPerDot,
                    barcode.ModuleDots * pointsPerDot);
            }

            gfx.DrawPath(XBrushes.Black, path);

            foreach (var rule in plan.Rectangles)
            {
                gfx.DrawRectangle(XBrushes.Black, rule.Left * pointsPerDot, rule.Top * pointsPerDot, rule.Width * pointsPerDot, rule.Height * pointsPerDot);
            }

            foreach (var line in plan.Text)
            {
                var font = new XFont(LabelFonts.FamilyName, line.SizeDots * pointsPerDot, line.Bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
                gfx.DrawString(line.Text, font, XBrushes.Black, line.X * pointsPerDot, line.Baseline * pointsPerDot, XStringFormats.BaseLineLeft);
            }
        }

        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return ReplaceRandomIdentifiers(stream.ToArray(), id);
    }

    private static PdfDocument NewDocument()
    {
        try
        {
            return new PdfDocument();
        }
        catch (PdfSharpLicenseException e)
        {
            throw new LabelException(
                LabelError.PdfLibraryNotLicensed,
                $"PDFsharp needs a license loaded by the host at start-up, PdfSharpLicense.SetAgplLicense() (AGPL-3.0) or PdfSharpLicense.LoadLicense(key) (commercial): {e.Message}");
        }
    }

    /// <summary>The file identifier: 16 bytes of a hash of everything the page shows, so the same label gets the same id.</summary>
    private static byte[] DocumentId(LabelPlan plan)
    {
        var description = new StringBuilder();
        description.Append(CultureInfo.InvariantCulture, $"{plan.Layout}|{plan.Dpi}|{plan.Barcode.Left},{plan.Barcode.Top}|");
        description.Append(plan.Barcode.Symbol.ToString());
        foreach (var line in plan.Text)
        {
            description.Append(CultureInfo.InvariantCulture, $"|{line.X},{line.Baseline},{line.Text}");
        }

        foreach (var rectangle in plan.Rectangles)
        {
            description.Append(CultureInfo.InvariantCulture, $"|{rectangle.Left},{rectangle.Top},{rectangle.Right},{rectangle.Bottom}");
        }

        return SHA256.HashData(Encoding.UTF8.GetBytes(description.ToString()))[..16];
    }

    /// <summary>
    /// Same label, same bytes (golden files, caches, a reprint identical to the print). PDFsharp 6.5 takes three
    /// values from <c>Guid.NewGuid()</c> while saving and offers no way to set them: the XMP DocumentID and
    /// InstanceID, and the six-letter tag of each embedded font subset. They are replaced here by values derived
    /// from <paramref name="id"/>, each exactly as long as the original, so every cross-reference offset stays right.
    /// The patterns match only inside the uncompressed metadata stream and font dictionaries.
    /// </summary>
    internal static byte[] ReplaceRandomIdentifiers(byte[] pdf, byte[] id)
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
