using System.Globalization;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Printers;

/// <summary>
/// The test print a customer makes to check a printer and measure how far it shifts what it prints. It is marked
/// "SAMPLE - NOT POSTAGE" and carries no indicium: where the indicium goes there is a hatched box with SAMPLE in it,
/// not a Data Matrix symbol, so nothing on it can pass for postage. Calibration marks, all at known distances from
/// the page's edges before any shift:
/// <list type="bullet">
/// <item>corner marks: an L in each corner whose outer edges are <see cref="CornerMarkInches"/> from the two nearest edges;</item>
/// <item>a ruler across the bottom and one down the left: a tick every <see cref="RulerStepInches"/> whose left (top) edge is
/// its distance from the page's left (top) edge, long ticks at whole inches, numbered;</item>
/// <item>a line stating the offset applied (the printer profile's shift plus the customer's calibration).</item>
/// </list>
/// The page is moved by that offset exactly as a label is (<see cref="LabelRenderer"/>), so a test print after
/// calibrating shows whether the offset is right.
/// </summary>
public static class TestPrint
{
    public const string Marking = "SAMPLE - NOT POSTAGE";

    /// <summary>The outer edges of the corner marks, from the page's edges (the layouts' margin).</summary>
    public const double CornerMarkInches = 0.25;

    public const double RulerStepInches = 0.1;

    /// <summary>The vertical ruler's spine from the left edge; the rulers start and end this far in.</summary>
    public const double RulerInsetInches = 0.5;

    /// <summary>The horizontal ruler's spine from the bottom edge.</summary>
    public const double RulerFromBottomInches = 1.0;

    /// <summary>The indicium's place: a typical 190-byte indicium is a 52x52 symbol, 1.12 in. with its quiet zone.</summary>
    public const double PlaceholderInches = 1.12;

    private const double MarkArmInches = 0.3;
    private const double LineInches = 0.01;
    private const double OutlineInches = 0.02;
    private const double HatchStepInches = 0.06;
    private const double BandInches = 0.4;
    private const double ClearZoneInches = 0.5;
    private const double TextLeftInches = 1.0;
    private const float Leading = 0.3f;

    /// <summary>
    /// Renders the test print for <paramref name="request"/>'s printer (required), format and layout, with its calibration.
    /// Same input, same bytes.
    /// </summary>
    /// <exception cref="LabelException">The request or printer is refused; <see cref="LabelException.Code"/> says why.</exception>
    public static RenderedLabel Render(LabelRequest request, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Printer is null)
        {
            throw new LabelException(LabelError.InvalidPrinterProfile, "a test print is made for a printer from the printer table");
        }

        var shift = LabelRenderer.Shift(request);
        var plan = Plan(request, date, shift.X, shift.Y) with { PrinterHome = shift.Home };
        return LabelRenderer.Write(plan, request.Format, date);
    }

    /// <summary>Everything placed from the page's top-left corner, then moved by (<paramref name="dx"/>, <paramref name="dy"/>) dots.</summary>
    internal static LabelPlan Plan(LabelRequest request, DateOnly date, int dx, int dy)
    {
        var printer = request.Printer!;
        int dpi = request.Dpi;
        var (widthInches, heightInches) = LabelPlanner.PageInches(request.Layout);
        int width = (int)Math.Ceiling(widthInches * dpi);
        int height = (int)Math.Ceiling(heightInches * dpi);
        int Dots(double inches) => (int)Math.Round((decimal)inches * dpi, MidpointRounding.AwayFromZero);
        int line = Math.Max(1, Dots(LineInches));
        var rules = new List<DotRect>();
        var text = new List<TextLine>();

        // Corner marks, outer edges on the margin lines.
        int left = Dots(CornerMarkInches), top = left;
        int right = Dots(widthInches - CornerMarkInches), bottom = Dots(heightInches - CornerMarkInches);
        int arm = Dots(MarkArmInches);
        rules.Add(new DotRect(left, top, left + arm, top + line));
        rules.Add(new DotRect(left, top, left + line, top + arm));
        rules.Add(new DotRect(right - arm, top, right, top + line));
        rules.Add(new DotRect(right - line, top, right, top + arm));
        rules.Add(new DotRect(left, bottom - line, left + arm, bottom));
        rules.Add(new DotRect(left, bottom - arm, left + line, bottom));
        rules.Add(new DotRect(right - arm, bottom - line, right, bottom));
        rules.Add(new DotRect(right - line, bottom - arm, right, bottom));

        // The placeholder where the indicium goes (top right, on the margin), hatched, SAMPLE in a band across it.
        int size = Dots(PlaceholderInches);
        var box = new DotRect(right - size, top, right, top + size);
        int outline = Math.Max(1, Dots(OutlineInches));
        rules.Add(box with { Bottom = box.Top + outline });
        rules.Add(box with { Top = box.Bottom - outline });
        rules.Add(box with { Right = box.Left + outline });
        rules.Add(box with { Left = box.Right - outline });
        int bandTop = box.Top + ((size - Dots(BandInches)) / 2), bandBottom = bandTop + Dots(BandInches);
        int step = Dots(HatchStepInches);
        for (int y = box.Top + outline + (step / 2); y + line <= box.Bottom - outline; y += step)
        {
            if (y + line <= bandTop || y >= bandBottom)
            {
                rules.Add(new DotRect(box.Left + outline, y, box.Right - outline, y + line));
            }
        }

        int bandWidth = size - (4 * outline);
        var sample = Fit("SAMPLE", 11, bold: true, bandWidth, dpi);
        var notPostage = Fit("NOT POSTAGE", 7, bold: true, bandWidth, dpi);
        float gap = 0.5f * notPostage.Size;
        int sampleBaseline = bandTop + (int)Math.Round(((bandBottom - bandTop) - (sample.CapHeight + gap + notPostage.CapHeight)) / 2 + sample.CapHeight);
        text.Add(Centered(sample, box, sampleBaseline));
        text.Add(Centered(notPostage, box, sampleBaseline + (int)Math.Round(gap + notPostage.CapHeight)));

        int clear = Dots(ClearZoneInches);
        var clearLeft = new DotRect(box.Left - clear, box.Top, box.Left, box.Bottom + clear);
        var clearBelow = new DotRect(box.Left - clear, box.Bottom, box.Right, box.Bottom + clear);

        // The rulers: every tick's left (top) edge at its distance from the page's left (top) edge.
        int spineX = Dots(RulerInsetInches), spineY = Dots(heightInches - RulerFromBottomInches);
        int endX = Dots(widthInches - RulerInsetInches);
        rules.Add(new DotRect(spineX, Dots(RulerInsetInches), spineX + line, spineY + line));
        rules.Add(new DotRect(spineX, spineY, endX + line, spineY + line));
        int firstTick = (int)Math.Round(RulerInsetInches / RulerStepInches);
        for (int k = firstTick; k * RulerStepInches <= (heightInches - RulerFromBottomInches) + 1e-9; k++)
        {
            int y = Dots(k * RulerStepInches);
            rules.Add(new DotRect(spineX, y, spineX + TickLength(k, Dots), y + line));
            if (k % 10 == 0 && y + Dots(0.1) < spineY) // the corner where the rulers meet has the other ruler's numbers
            {
                var number = Measure(Inches(k), 6, bold: false, dpi);
                text.Add(new TextLine(number.Text, spineX + Dots(0.18), y + (int)Math.Round(number.CapHeight / 2), number.Size, false));
            }
        }

        for (int k = firstTick; k * RulerStepInches <= (widthInches - RulerInsetInches) + 1e-9; k++)
        {
            int x = Dots(k * RulerStepInches);
            rules.Add(new DotRect(x, spineY, x + line, spineY + TickLength(k, Dots)));
            if (k % 10 == 0)
            {
                var number = Measure(Inches(k), 6, bold: false, dpi);
                text.Add(new TextLine(number.Text, x - (int)Math.Round(number.Advance / 2), spineY + Dots(0.2) + (int)Math.Ceiling(number.CapHeight), number.Size, false));
            }
        }

        // The words: left of the clear zone where the page is wide enough (an envelope), else below it.
        int textLeft = Dots(TextLeftInches);
        bool beside = clearLeft.Left - textLeft >= Dots(3.0);
        int textRight = beside ? clearLeft.Left - Dots(0.15) : endX;
        float baseline = beside ? top + Dots(0.1) : clearBelow.Bottom + Dots(0.15);
        var (px, py) = (printer.OffsetXDots, printer.OffsetYDots);
        var (cx, cy) = request.Calibration.ToDots(dpi);
        var words = new (string Text, float Points, bool Bold)[]
        {
            (Marking, 16, true),
            ("TEST PRINT: NO INDICIUM, NOTHING CHARGED", 8, true),
            ($"Printer {printer.Name}", 8, false),
            (string.Create(CultureInfo.InvariantCulture, $"{printer.Id}, {dpi} dpi, {LayoutName(request.Layout)}, {FormatName(request.Format)}, {date:yyyy-MM-dd}"), 8, false),
            ("OFFSET APPLIED (right, down)", 9, true),
            (string.Create(CultureInfo.InvariantCulture, $"{px + cx}, {py + cy} dots = printer {px}, {py} dots"), 8, false),
            (string.Create(CultureInfo.InvariantCulture, $"+ your calibration {request.Calibration.XMils}, {request.Calibration.YMils} mils ({cx}, {cy} dots)"), 8, false),
            ("HOW TO MEASURE", 9, true),
            (string.Create(CultureInfo.InvariantCulture, $"Corner marks: outer edges {CornerMarkInches:0.000} in. from the page edges."), 8, false),
            (string.Create(CultureInfo.InvariantCulture, $"Rulers: a tick every {RulerStepInches:0.0} in.; its left (top) edge is"), 8, false),
            ("its distance from the page's left (top) edge.", 8, false),
            ("Marks too far right or down by d in.? Calibrate by -d:", 8, false),
            ($"vbi printer calibrate --printer {printer.Id} --x MILS --y MILS", 8, false),
        };
        MeasuredLine? previous = null;
        foreach (var (phrase, points, bold) in words)
        {
            var measured = Fit(phrase, points, bold, textRight - textLeft, dpi);
            baseline += previous is null ? measured.CapHeight : previous.Descent + (Leading * measured.Size) + measured.CapHeight;
            text.Add(new TextLine(measured.Text, textLeft, (int)Math.Round(baseline, MidpointRounding.AwayFromZero), measured.Size, bold));
            previous = measured;
        }

        if (baseline + previous!.Descent >= spineY)
        {
            throw new LabelException(LabelError.UnsupportedLabelLayout, $"the test print's lines do not fit a {widthInches} x {heightInches} in. {LayoutName(request.Layout)}");
        }

        return new LabelPlan(
            request.Layout,
            dpi,
            widthInches,
            heightInches,
            width,
            height,
            Barcode: null,
            text.Select(t => t with { X = t.X + dx, Baseline = t.Baseline + dy }).ToList(),
            rules.Select(r => r.Offset(dx, dy)).ToList(),
            box.Offset(dx, dy),
            clearLeft.Offset(dx, dy),
            clearBelow.Offset(dx, dy));
    }

    /// <summary>The layout's name in the printer table and the API.</summary>
    public static string LayoutName(LabelLayout layout) => layout switch
    {
        LabelLayout.Label4x6 => "label-4x6",
        LabelLayout.Envelope10 => "envelope-10",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
    };

    /// <summary>The format's name in the printer table and the API.</summary>
    public static string FormatName(LabelFormat format) => LabelContentTypes.FileExtension(format);

    private static int TickLength(int k, Func<double, int> dots) => dots(k % 10 == 0 ? 0.15 : k % 5 == 0 ? 0.1 : 0.06);

    private static string Inches(int tenths) => (tenths / 10).ToString(CultureInfo.InvariantCulture);

    private static TextLine Centered(MeasuredLine line, DotRect box, int baseline) =>
        new(line.Text, box.Left + ((box.Width - (int)Math.Ceiling(line.Advance)) / 2), baseline, line.Size, line.Bold);

    /// <summary>The line at <paramref name="points"/>, set smaller until it is at most <paramref name="maxDots"/> wide.</summary>
    private static MeasuredLine Fit(string text, float points, bool bold, int maxDots, int dpi)
    {
        var measured = Measure(text, points, bold, dpi);
        return measured.Advance <= maxDots
            ? measured
            : MeasuredLine.Of(text, MathF.Floor(measured.Size * maxDots / measured.Advance * 100) / 100, bold);
    }

    private static MeasuredLine Measure(string text, float points, bool bold, int dpi) => MeasuredLine.Of(text, points * dpi / 72f, bold);

    /// <summary>A line measured in dots with the font files every format draws with.</summary>
    private sealed record MeasuredLine(string Text, float Size, bool Bold, float Advance, float CapHeight, float Descent)
    {
        public static MeasuredLine Of(string text, float size, bool bold)
        {
            using var font = LabelFonts.Font(bold, size);
            float advance = font.MeasureText(text);
            var metrics = font.Metrics;
            return new MeasuredLine(text, size, bold, advance, metrics.CapHeight, metrics.Descent);
        }
    }
}
