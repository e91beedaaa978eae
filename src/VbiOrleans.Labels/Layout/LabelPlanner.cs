using SkiaSharp;
using VbiOrleans.DataMatrix;
using VbiOrleans.Labels.Fonts;

namespace VbiOrleans.Labels.Layout;

/// <summary>
/// Places the indicium block (the Data Matrix symbol with the human-readable lines to its left) in the top-right
/// corner, a quarter inch from the edges, and keeps a half inch to its left and below it clear, as postage
/// indicia require. All measurements are physical units converted to whole printer dots.
/// </summary>
internal static class LabelPlanner
{
    private const double MarginInches = 0.25;
    private const double ClearZoneInches = 0.5;
    private const double TextGapInches = 0.06;

    /// <summary>A line wider than this is set smaller until it fits (a long mail class, an unusual amount).</summary>
    private const double MaxTextWidthInches = 1.9;

    /// <summary>
    /// Target module size. A module is a whole number of dots so every module prints identically: 4 dots at 203 dpi
    /// (0.0197 in.), 6 at 300, 12 at 600. A typical 190-byte indicium (a 52x52 symbol) is then about 1.03 in. wide.
    /// </summary>
    private const double ModuleInches = 0.02;

    /// <summary>Light modules around the symbol; ECC 200 asks for at least one.</summary>
    private const int QuietZoneModules = 2;

    private const double RuleGapInches = 0.1;
    private const double RuleThicknessInches = 0.02;

    /// <summary>Space between lines, as a fraction of the next line's size.</summary>
    private const float Leading = 0.15f;

    public static (double Width, double Height) PageInches(LabelLayout layout) => layout switch
    {
        LabelLayout.Label4x6 => (4.0, 6.0),
        LabelLayout.Envelope10 => (9.5, 4.125),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
    };

    /// <summary>Everything placed for <paramref name="layout"/> at <paramref name="dpi"/>, moved by the offset in dots.</summary>
    public static LabelPlan Plan(LabelContent content, LabelLayout layout, int dpi, int offsetX, int offsetY)
    {
        var (widthInches, heightInches) = PageInches(layout);
        int width = (int)Math.Ceiling(widthInches * dpi);
        int height = (int)Math.Ceiling(heightInches * dpi);
        int margin = Dots(MarginInches, dpi);
        int clear = Dots(ClearZoneInches, dpi);

        var symbol = Encode(content.Indicium);
        int module = Math.Max(1, Dots(ModuleInches, dpi));
        int quiet = QuietZoneModules * module;
        var barcodeBox = new DotRect(
            width - margin - (symbol.Columns * module) - (2 * quiet),
            margin,
            width - margin,
            margin + (symbol.Rows * module) + (2 * quiet));
        var barcode = new BarcodePlacement(symbol, barcodeBox.Left + quiet, barcodeBox.Top + quiet, module);

        var (text, ink) = PlaceText(content, dpi, textRight: barcodeBox.Left - Dots(TextGapInches, dpi), textTop: barcode.Top);
        var block = barcodeBox.Union(ink);
        var clearLeft = new DotRect(block.Left - clear, block.Top, block.Left, block.Bottom + clear);
        var clearBelow = new DotRect(block.Left - clear, block.Bottom, block.Right, block.Bottom + clear);
        if (clearLeft.Left < 0 || clearBelow.Bottom > height)
        {
            throw new LabelException(
                LabelError.IndiciumTooLarge,
                $"the indicium block ({block.Width / (double)dpi:0.00} x {block.Height / (double)dpi:0.00} in., a {symbol.Size} symbol) " +
                $"with its {ClearZoneInches} in. clear zone does not fit a {widthInches} x {heightInches} in. {layout}");
        }

        var rules = new List<DotRect>();
        if (layout == LabelLayout.Label4x6)
        {
            // Separates the postage area from the address area, just below the clear zone.
            int top = clearBelow.Bottom + Dots(RuleGapInches, dpi);
            rules.Add(new DotRect(margin, top, width - margin, top + Math.Max(1, Dots(RuleThicknessInches, dpi))));
        }

        return new LabelPlan(
            layout,
            dpi,
            widthInches,
            heightInches,
            width,
            height,
            barcode with { Left = barcode.Left + offsetX, Top = barcode.Top + offsetY },
            text.Select(t => t with { X = t.X + offsetX, Baseline = t.Baseline + offsetY }).ToList(),
            rules.Select(r => r.Offset(offsetX, offsetY)).ToList(),
            block.Offset(offsetX, offsetY),
            clearLeft.Offset(offsetX, offsetY),
            clearBelow.Offset(offsetX, offsetY));
    }

    /// <summary>
    /// Left-aligned lines in a column ending at <paramref name="textRight"/>, the first capital's top at
    /// <paramref name="textTop"/>, none wider than <see cref="MaxTextWidthInches"/>. Returns the lines and the union
    /// of their ink, measured with the same font files the PNG and PDF draw with.
    /// </summary>
    private static (List<TextLine> Lines, DotRect Ink) PlaceText(LabelContent content, int dpi, int textRight, int textTop)
    {
        var measured = content.HumanReadableLines().Select(line => Measure(line.Text, line.Style, dpi)).ToList();
        int x = textRight - (int)Math.Ceiling(measured.Max(m => m.Advance));
        var lines = new List<TextLine>();
        DotRect? ink = null;
        float baseline = textTop;
        for (int i = 0; i < measured.Count; i++)
        {
            var m = measured[i];
            baseline += i == 0 ? m.CapHeight : measured[i - 1].Descent + (Leading * m.Size) + m.CapHeight;
            int y = (int)Math.Round(baseline, MidpointRounding.AwayFromZero);
            lines.Add(new TextLine(m.Text, x, y, m.Size, m.Bold));

            // One dot more on every side for anti-aliased edge pixels.
            var lineInk = new DotRect(
                x + (int)Math.Floor(m.Ink.Left) - 1,
                y + (int)Math.Floor(m.Ink.Top) - 1,
                x + (int)Math.Ceiling(m.Ink.Right) + 1,
                y + (int)Math.Ceiling(m.Ink.Bottom) + 1);
            ink = ink is { } so ? so.Union(lineInk) : lineInk;
        }

        return (lines, ink!.Value);
    }

    private static MeasuredLine Measure(string text, LineStyle style, int dpi)
    {
        bool bold = style is LineStyle.Kind or LineStyle.Amount;
        float size = PointSize(style) * dpi / 72f;
        var measured = MeasuredLine.Of(text, size, bold);
        float maxWidth = (float)(MaxTextWidthInches * dpi);
        return measured.Advance <= maxWidth
            ? measured
            : MeasuredLine.Of(text, MathF.Floor(size * maxWidth / measured.Advance * 100) / 100, bold);
    }

    private static float PointSize(LineStyle style) => style switch
    {
        LineStyle.Kind => 9f,
        LineStyle.Amount => 14f,
        LineStyle.Body => 7f,
        LineStyle.Small => 6f,
        _ => throw new ArgumentOutOfRangeException(nameof(style), style, null),
    };

    private static DataMatrixSymbol Encode(byte[] indicium)
    {
        try
        {
            return DataMatrixEncoder.Encode(indicium);
        }
        catch (ArgumentException e)
        {
            throw new LabelException(LabelError.IndiciumTooLarge, $"the indicium of {indicium.Length} bytes does not fit one Data Matrix symbol: {e.Message}");
        }
    }

    private static int Dots(double inches, int dpi) => (int)Math.Round(inches * dpi, MidpointRounding.AwayFromZero);

    /// <summary>A line measured in dots: advance width, ink bounds around the origin, and the font's vertical metrics.</summary>
    private sealed record MeasuredLine(string Text, float Size, bool Bold, float Advance, SKRect Ink, float CapHeight, float Descent)
    {
        public static MeasuredLine Of(string text, float size, bool bold)
        {
            using var font = LabelFonts.Font(bold, size);
            float advance = font.MeasureText(text, out var ink);
            var metrics = font.Metrics;
            return new MeasuredLine(text, size, bold, advance, ink, metrics.CapHeight, metrics.Descent);
        }
    }
}
