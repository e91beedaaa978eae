using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.ScanForms;

namespace VbiOrleans.Labels.Invoices;

/// <summary>One line of an invoice as printed: quantity × unit = amount, in mills.</summary>
public sealed record InvoicePdfLine(string Description, long Quantity, long UnitMills, long AmountMills);

/// <summary>What an invoice's PDF shows.</summary>
public sealed record InvoicePdfContent(
    string Number,
    string Period,
    DateOnly IssuedOn,
    string BillTo,
    IReadOnlyList<InvoicePdfLine> Lines,
    long SubtotalMills,
    long CreditAppliedMills,
    long TotalMills,
    string PaymentNote);

/// <summary>
/// Renders an invoice as a PDF of letter-size pages with PDFsharp, as <see cref="ScanFormRenderer"/> renders a SCAN
/// form: the number, period and customer at the top, one row per line (as many pages as the lines need), then the
/// subtotal, the credits applied and the total. Same content, same bytes. Needs the host's PDFsharp license.
/// </summary>
public static class InvoiceRenderer
{
    private const double PageWidth = 612;
    private const double PageHeight = 792;
    private const double Margin = 48;
    private const double RowPitch = 14;
    private const double FirstTableTop = 200;
    private const double NextTableTop = 90;
    private const double Bottom = PageHeight - 120;
    private const double QuantityRight = 380;
    private const double UnitRight = 470;
    private const double AmountRight = PageWidth - Margin;

    public static byte[] Render(InvoicePdfContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var document = DeterministicPdf.Create("Invoice " + content.Number, "VbiOrleans", content.IssuedOn, Identity(content), out var id);

        var regular = new XFont(LabelFonts.FamilyName, 9, XFontStyleEx.Regular);
        var bold = new XFont(LabelFonts.FamilyName, 9, XFontStyleEx.Bold);
        var title = new XFont(LabelFonts.FamilyName, 20, XFontStyleEx.Bold);
        int next = 0;
        int pageNumber = 0;
        do
        {
            pageNumber++;
            var page = document.AddPage();
            page.Width = XUnitPt.FromPoint(PageWidth);
            page.Height = XUnitPt.FromPoint(PageHeight);
            using var gfx = XGraphics.FromPdfPage(page);
            double baseline;
            if (pageNumber == 1)
            {
                gfx.DrawString("INVOICE", title, XBrushes.Black, Margin, 70, XStringFormats.BaseLineLeft);
                double y = 100;
                foreach (var (label, value) in new[]
                {
                    ("Number", content.Number),
                    ("Period", content.Period),
                    ("Issued", content.IssuedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    ("Bill to", content.BillTo),
                })
                {
                    gfx.DrawString(label, regular, XBrushes.Black, Margin, y, XStringFormats.BaseLineLeft);
                    gfx.DrawString(value, bold, XBrushes.Black, Margin + 70, y, XStringFormats.BaseLineLeft);
                    y += 15;
                }
                baseline = FirstTableTop;
            }
            else
            {
                gfx.DrawString($"INVOICE {content.Number} (CONTINUED)", bold, XBrushes.Black, Margin, 60, XStringFormats.BaseLineLeft);
                baseline = NextTableTop;
            }

            gfx.DrawString("DESCRIPTION", bold, XBrushes.Black, Margin, baseline, XStringFormats.BaseLineLeft);
            gfx.DrawString("QTY", bold, XBrushes.Black, QuantityRight, baseline, XStringFormats.BaseLineRight);
            gfx.DrawString("UNIT", bold, XBrushes.Black, UnitRight, baseline, XStringFormats.BaseLineRight);
            gfx.DrawString("AMOUNT", bold, XBrushes.Black, AmountRight, baseline, XStringFormats.BaseLineRight);
            gfx.DrawRectangle(XBrushes.Black, Margin, baseline + 3, PageWidth - (2 * Margin), 0.75);
            while (next < content.Lines.Count && baseline + RowPitch < Bottom)
            {
                baseline += RowPitch;
                var line = content.Lines[next++];
                gfx.DrawString(line.Description, regular, XBrushes.Black, Margin, baseline, XStringFormats.BaseLineLeft);
                gfx.DrawString(line.Quantity.ToString(CultureInfo.InvariantCulture), regular, XBrushes.Black, QuantityRight, baseline, XStringFormats.BaseLineRight);
                gfx.DrawString(Money(line.UnitMills), regular, XBrushes.Black, UnitRight, baseline, XStringFormats.BaseLineRight);
                gfx.DrawString(Money(line.AmountMills), regular, XBrushes.Black, AmountRight, baseline, XStringFormats.BaseLineRight);
            }

            if (next == content.Lines.Count)
            {
                baseline += RowPitch;
                gfx.DrawRectangle(XBrushes.Black, Margin, baseline - RowPitch + 4, PageWidth - (2 * Margin), 0.75);
                foreach (var (label, mills, font) in new[]
                {
                    ("Subtotal", content.SubtotalMills, regular),
                    ("Credits applied", -content.CreditAppliedMills, regular),
                    ("Total due", content.TotalMills, bold),
                })
                {
                    baseline += RowPitch;
                    gfx.DrawString(label, font, XBrushes.Black, UnitRight, baseline, XStringFormats.BaseLineRight);
                    gfx.DrawString(Money(mills), font, XBrushes.Black, AmountRight, baseline, XStringFormats.BaseLineRight);
                }
                baseline += 2 * RowPitch;
                gfx.DrawString(content.PaymentNote, regular, XBrushes.Black, Margin, baseline, XStringFormats.BaseLineLeft);
            }
            gfx.DrawString(string.Create(CultureInfo.InvariantCulture, $"Invoice {content.Number}, page {pageNumber}"), regular, XBrushes.Black, Margin, PageHeight - 30, XStringFormats.BaseLineLeft);
        }
        while (next < content.Lines.Count);

        return DeterministicPdf.Save(document, id);
    }

    /// <summary>Dollars and cents (mills shown only when an amount is not whole cents); negative with a minus sign.</summary>
    public static string Money(long mills) => mills < 0 ? "-" + LabelContent.FormatPostage(-mills) : LabelContent.FormatPostage(mills);

    /// <summary>Everything the invoice shows, so the same invoice gets the same file identifier.</summary>
    private static string Identity(InvoicePdfContent content)
    {
        var description = new StringBuilder();
        description.Append(CultureInfo.InvariantCulture, $"invoice|{content.Number}|{content.Period}|{content.IssuedOn:yyyy-MM-dd}|{content.BillTo}|{content.SubtotalMills}|{content.CreditAppliedMills}|{content.TotalMills}|{content.PaymentNote}");
        foreach (var l in content.Lines)
        {
            description.Append(CultureInfo.InvariantCulture, $"|{l.Description},{l.Quantity},{l.UnitMills},{l.AmountMills}");
        }
        return description.ToString();
    }
}
