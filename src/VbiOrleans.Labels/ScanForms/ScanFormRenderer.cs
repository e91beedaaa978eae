using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using VbiOrleans.Labels.Barcodes;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Formats;

namespace VbiOrleans.Labels.ScanForms;

/// <summary>
/// Renders a SCAN form as a PDF of letter-size pages: on the first, the form's GS1-128 barcode (AI 420 + origin
/// ZIP, FNC1, form number) with its number in text, the mailer, the origin ZIP, the date and the totals; then the
/// packages, one row each, on as many pages as they need, each page numbered "Page i of n"; the totals again
/// after the last row. Same content, same bytes (as for the label PDFs). Needs a PDFsharp license loaded by the
/// host, like <see cref="LabelRenderer"/>'s PDF.
/// </summary>
public static class ScanFormRenderer
{
    private const double PageWidth = 612; // 8.5 in., points
    private const double PageHeight = 792; // 11 in.
    private const double Margin = 36;
    private const double RowPitch = 13;
    private const double FirstTableTop = 292;
    private const double NextTableTop = 96;
    private const double FooterBaseline = PageHeight - 24;

    /// <summary>The barcode's X-dimension: 1.2 pt (1/60 in.), whole pixels at 300 and 600 dpi.</summary>
    private const double BarModule = 1.2;
    private const int QuietZoneModules = 10;
    private const double BarHeight = 0.6 * 72;

    // Column positions (left edges, or right edges for the right-aligned numbers).
    private const double NumberRight = 62;
    private const double TrackingLeft = 72;
    private const double ClassLeft = 262;
    private const double ClassWidth = 150;
    private const double WeightRight = 450;
    private const double ZipLeft = 462;
    private const double PostageRight = PageWidth - Margin;

    /// <summary>The package rows that fit the first page and each following page.</summary>
    internal static int RowsOnFirstPage => (int)((FooterBaseline - 40 - FirstTableTop) / RowPitch);

    internal static int RowsPerPage => (int)((FooterBaseline - 40 - NextTableTop) / RowPitch);

    /// <summary>The form as PDF bytes.</summary>
    /// <exception cref="LabelException">The content is refused (<see cref="LabelError.InvalidScanFormContent"/>), or the fonts or the PDF license are missing.</exception>
    public static byte[] Render(ScanFormContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Validate() is { } problem)
        {
            throw new LabelException(LabelError.InvalidScanFormContent, problem);
        }

        using var document = DeterministicPdf.Create("SCAN form " + content.FormNumber, "VbiOrleans.Labels", content.DateOfMailing, Identity(content), out var id);

        var fonts = new Fonts();
        int pages = PageCount(content.Packages.Count);
        int next = 0;
        for (int pageNumber = 1; pageNumber <= pages; pageNumber++)
        {
            var page = document.AddPage();
            page.Width = XUnitPt.FromPoint(PageWidth);
            page.Height = XUnitPt.FromPoint(PageHeight);
            using var gfx = XGraphics.FromPdfPage(page);
            double top;
            if (pageNumber == 1)
            {
                DrawFirstPageHeader(gfx, content, fonts);
                top = FirstTableTop;
            }
            else
            {
                gfx.DrawString($"SCAN FORM {Impb.Grouped(content.FormNumber)} (CONTINUED)", fonts.Bold, XBrushes.Black, Margin, 60, XStringFormats.BaseLineLeft);
                top = NextTableTop;
            }

            int rows = Math.Min(pageNumber == 1 ? RowsOnFirstPage : RowsPerPage, content.Packages.Count - next);
            double baseline = DrawTableHeader(gfx, fonts, top);
            for (int i = 0; i < rows; i++, next++)
            {
                baseline += RowPitch;
                DrawPackage(gfx, fonts, next + 1, content.Packages[next], baseline);
            }

            if (pageNumber == pages)
            {
                baseline += RowPitch;
                gfx.DrawRectangle(XBrushes.Black, Margin, baseline - RowPitch + 3, PageWidth - (2 * Margin), 0.75);
                baseline += 3;
                gfx.DrawString($"TOTAL {Count(content.Packages.Count)}", fonts.Bold, XBrushes.Black, TrackingLeft, baseline, XStringFormats.BaseLineLeft);
                gfx.DrawString(LabelContent.FormatPostage(content.TotalPostageMills()), fonts.Bold, XBrushes.Black, PostageRight, baseline, XStringFormats.BaseLineRight);
            }

            gfx.DrawString($"SCAN FORM {Impb.Grouped(content.FormNumber)}", fonts.Small, XBrushes.Black, Margin, FooterBaseline, XStringFormats.BaseLineLeft);
            gfx.DrawString(string.Create(CultureInfo.InvariantCulture, $"Page {pageNumber} of {pages}"), fonts.Small, XBrushes.Black, PageWidth - Margin, FooterBaseline, XStringFormats.BaseLineRight);
        }

        return DeterministicPdf.Save(document, id);
    }

    internal static int PageCount(int packages) =>
        packages <= RowsOnFirstPage ? 1 : 1 + ((packages - RowsOnFirstPage + RowsPerPage - 1) / RowsPerPage);

    /// <summary>The element strings of the form's barcode: AI 420 + origin ZIP, then the form number.</summary>
    internal static IReadOnlyList<string> ElementStrings(ScanFormContent content) =>
        Impb.ElementStrings(ScanFormContent.ZipDigits(content.OriginZip)!, content.FormNumber);

    private static void DrawFirstPageHeader(XGraphics gfx, ScanFormContent content, Fonts fonts)
    {
        gfx.DrawString("SCAN FORM", fonts.Title, XBrushes.Black, Margin, 58, XStringFormats.BaseLineLeft);
        gfx.DrawString("Shipment Confirmation Acceptance Notice: the packages below are tendered together.", fonts.Small, XBrushes.Black, Margin, 112, XStringFormats.BaseLineLeft);

        // The barcode top-right, nothing else within its quiet zones (the title ends far left of them).
        var modules = Gs1128.Encode(ElementStrings(content));
        double width = modules.Length * BarModule;
        double left = PageWidth - Margin - (QuietZoneModules * BarModule) - width;
        const double barTop = 40;
        foreach (var (start, bars) in Gs1128.Bars(modules))
        {
            gfx.DrawRectangle(XBrushes.Black, left + (start * BarModule), barTop, bars * BarModule, BarHeight);
        }

        gfx.DrawString("FORM # " + Impb.Grouped(content.FormNumber), fonts.Bold, XBrushes.Black, left + (width / 2), barTop + BarHeight + 14, XStringFormats.BaseLineCenter);

        double y = 136;
        gfx.DrawString("MAILER", fonts.Small, XBrushes.Black, Margin, y, XStringFormats.BaseLineLeft);
        y += 14;
        gfx.DrawString(content.MailerName, fonts.Bold, XBrushes.Black, Margin, y, XStringFormats.BaseLineLeft);
        foreach (var line in content.MailerAddress)
        {
            y += 12;
            gfx.DrawString(line, fonts.Regular, XBrushes.Black, Margin, y, XStringFormats.BaseLineLeft);
        }

        double x = 340;
        y = 136;
        foreach (var (label, value) in new[]
        {
            ("ORIGIN ZIP", content.OriginZip),
            ("DATE OF MAILING", content.DateOfMailing.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("PACKAGES", content.Packages.Count.ToString(CultureInfo.InvariantCulture)),
            ("TOTAL POSTAGE", LabelContent.FormatPostage(content.TotalPostageMills())),
        })
        {
            gfx.DrawString(label, fonts.Small, XBrushes.Black, x, y, XStringFormats.BaseLineLeft);
            gfx.DrawString(value, fonts.Bold, XBrushes.Black, x + 100, y, XStringFormats.BaseLineLeft);
            y += 16;
        }

        gfx.DrawString("Acceptance clerk: scan the form's barcode to accept every package listed. Signature and date:", fonts.Small, XBrushes.Black, Margin, 236, XStringFormats.BaseLineLeft);
        gfx.DrawRectangle(XBrushes.Black, 380, 250, PageWidth - Margin - 380, 0.75);
    }

    /// <summary>The column titles and a rule under them; returns the baseline of the titles.</summary>
    private static double DrawTableHeader(XGraphics gfx, Fonts fonts, double top)
    {
        double baseline = top + 10;
        gfx.DrawString("#", fonts.Bold, XBrushes.Black, NumberRight, baseline, XStringFormats.BaseLineRight);
        gfx.DrawString("TRACKING NUMBER", fonts.Bold, XBrushes.Black, TrackingLeft, baseline, XStringFormats.BaseLineLeft);
        gfx.DrawString("MAIL CLASS", fonts.Bold, XBrushes.Black, ClassLeft, baseline, XStringFormats.BaseLineLeft);
        gfx.DrawString("WEIGHT", fonts.Bold, XBrushes.Black, WeightRight, baseline, XStringFormats.BaseLineRight);
        gfx.DrawString("DEST ZIP", fonts.Bold, XBrushes.Black, ZipLeft, baseline, XStringFormats.BaseLineLeft);
        gfx.DrawString("POSTAGE", fonts.Bold, XBrushes.Black, PostageRight, baseline, XStringFormats.BaseLineRight);
        gfx.DrawRectangle(XBrushes.Black, Margin, baseline + 3, PageWidth - (2 * Margin), 0.75);
        return baseline;
    }

    private static void DrawPackage(XGraphics gfx, Fonts fonts, int number, ScanFormPackage package, double baseline)
    {
        gfx.DrawString(number.ToString(CultureInfo.InvariantCulture), fonts.Regular, XBrushes.Black, NumberRight, baseline, XStringFormats.BaseLineRight);
        gfx.DrawString(package.TrackingNumber, fonts.Regular, XBrushes.Black, TrackingLeft, baseline, XStringFormats.BaseLineLeft);
        var mailClass = package.MailClass.ToUpperInvariant();
        var classFont = fonts.Regular;
        double measured = gfx.MeasureString(mailClass, classFont).Width;
        if (measured > ClassWidth)
        {
            classFont = new XFont(LabelFonts.FamilyName, Math.Floor(Fonts.BodySize * ClassWidth / measured * 10) / 10, XFontStyleEx.Regular);
        }

        gfx.DrawString(mailClass, classFont, XBrushes.Black, ClassLeft, baseline, XStringFormats.BaseLineLeft);
        gfx.DrawString(package.WeightOunces.ToString("0.##", CultureInfo.InvariantCulture) + " OZ", fonts.Regular, XBrushes.Black, WeightRight, baseline, XStringFormats.BaseLineRight);
        gfx.DrawString(package.DestinationZip, fonts.Regular, XBrushes.Black, ZipLeft, baseline, XStringFormats.BaseLineLeft);
        gfx.DrawString(LabelContent.FormatPostage(package.PostageMills), fonts.Regular, XBrushes.Black, PostageRight, baseline, XStringFormats.BaseLineRight);
    }

    private static string Count(int packages) => packages == 1 ? "1 PACKAGE" : string.Create(CultureInfo.InvariantCulture, $"{packages} PACKAGES");

    /// <summary>Everything the form shows, so the same form gets the same file identifier.</summary>
    private static string Identity(ScanFormContent content)
    {
        var description = new StringBuilder();
        description.Append(CultureInfo.InvariantCulture, $"scan|{content.FormNumber}|{content.DateOfMailing:yyyy-MM-dd}|{content.MailerName}|{string.Join('\n', content.MailerAddress)}|{content.OriginZip}");
        foreach (var p in content.Packages)
        {
            description.Append(CultureInfo.InvariantCulture, $"|{p.TrackingNumber},{p.MailClass},{p.WeightOunces},{p.DestinationZip},{p.PostageMills}");
        }

        return description.ToString();
    }

    private sealed class Fonts
    {
        public const double BodySize = 8.5;

        public XFont Title { get; } = new(LabelFonts.FamilyName, 18, XFontStyleEx.Bold);

        public XFont Bold { get; } = new(LabelFonts.FamilyName, BodySize, XFontStyleEx.Bold);

        public XFont Regular { get; } = new(LabelFonts.FamilyName, BodySize, XFontStyleEx.Regular);

        public XFont Small { get; } = new(LabelFonts.FamilyName, 7, XFontStyleEx.Regular);
    }
}
