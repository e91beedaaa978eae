using System.Globalization;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Printers;

/// <summary>
/// The test print a customer makes to check a printer and measure how far it shifts what it prints. It is marked
/// "SAMPLE - NOT POSTAGE" and carries no indicium: where a label's indicium block goes (as the label planner places a
/// typical one) there is a hatched box with SAMPLE in it, not a Data Matrix symbol, so nothing on it can pass for
/// postage, and its clear zone stays empty. Calibration marks, all at known distances from the page's edges before any shift:
/// <list type="bullet">
/// <item>corner marks: an L in each corner whose outer edges are <see cref="CornerMarkInches"/> from the two nearest edges
/// (an arm inside the indicium's clear zone is left out);</item>
/// <item>a ruler across the bottom and one down the left: a tick every <see cref="RulerStepInches"/> whose left (top) edge is
/// its distance from the page's left (top) edge, long ticks at whole inches, numbered; a ruler that would cross the
/// indicium's place keeps to its longer side;</item>
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

    /// <summary>A typical indicium's length (a 52x52 symbol); the placeholder is where its block goes.</summary>
    public const int TypicalIndiciumBytes = 190;

    private const double MarkArmInches = 0.3;
    private const double LineInches = 0.01;
    private const double OutlineInches = 0.02;
    private const double HatchStepInches = 0.06;
    private const double BandInches = 0.4;
    private const double TextLeftInches = 1.0;
    private const double MinTextWidthInches = 2.4;
    private const float MinTextScale = 0.6f;

    /// <summary>How far a ruler's ticks and numbers reach from its spine.</summary>
    private const double RulerReachInches = 0.35;
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

        // Where a label of this layout puts a typical indicium block and its clear zone, as the label planner places
        // them: the placeholder covers the block, hatched, SAMPLE in a band across it; nothing else goes there.
        var label = LabelPlanner.Plan(TypicalContent(date), request.Layout, dpi, 0, 0);
        var box = label.IndiciumBlock;
        var keepOut = box.Union(label.ClearZoneLeft).Union(label.ClearZoneBelow);

        // Corner marks, outer edges on the margin lines; an arm the clear zone reaches is left out.
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
        rules.RemoveAll(r => r.Intersects(label.ClearZoneLeft) || r.Intersects(label.ClearZoneBelow));
        int outline = Math.Max(1, Dots(OutlineInches));
        rules.Add(box with { Bottom = box.Top + outline });
        rules.Add(box with { Top = box.Bottom - outline });
        rules.Add(box with { Right = box.Left + outline });
        rules.Add(box with { Left = box.Right - outline });
        int band = Math.Min(Dots(BandInches), box.Height - (4 * outline));
        int bandTop = box.Top + ((box.Height - band) / 2), bandBottom = bandTop + band;
        int step = Dots(HatchStepInches);
        for (int y = box.Top + outline + (step / 2); y + line <= box.Bottom - outline; y += step)
        {
            if (y + line <= bandTop || y >= bandBottom)
            {
                rules.Add(new DotRect(box.Left + outline, y, box.Right - outline, y + line));
            }
        }

        int bandWidth = box.Width - (4 * outline);
        var sample = Fit("SAMPLE", 11, bold: true, bandWidth, dpi);
        var notPostage = Fit("NOT POSTAGE", 7, bold: true, bandWidth, dpi);
        float gap = 0.5f * notPostage.Size;
        int sampleBaseline = bandTop + (int)Math.Round((((bandBottom - bandTop) - (sample.CapHeight + gap + notPostage.CapHeight)) / 2) + sample.CapHeight);
        text.Add(Centered(sample, box, sampleBaseline));
        text.Add(Centered(notPostage, box, sampleBaseline + (int)Math.Round(gap + notPostage.CapHeight)));

        // The rulers: every tick's left (top) edge at its distance from the page's left (top) edge. A ruler that would
        // cross the indicium's place keeps to the longer side of it.
        int spineX = Dots(RulerInsetInches), spineY = Dots(heightInches - RulerFromBottomInches);
        int reach = Dots(RulerReachInches), gapDots = Dots(0.1);
        var (firstRow, lastRow) = Span(Dots(RulerInsetInches), spineY, keepOut.Top - gapDots, keepOut.Bottom + gapDots,
            Overlaps(spineX, spineX + reach, keepOut.Left, keepOut.Right), dpi);
        var (firstColumn, lastColumn) = Span(spineX, Dots(widthInches - RulerInsetInches), keepOut.Left - gapDots, keepOut.Right + gapDots,
            Overlaps(spineY, spineY + reach, keepOut.Top, keepOut.Bottom), dpi);
        rules.Add(new DotRect(spineX, Dots(firstRow * RulerStepInches), spineX + line, Dots(lastRow * RulerStepInches) + line));
        rules.Add(new DotRect(Dots(firstColumn * RulerStepInches), spineY, Dots(lastColumn * RulerStepInches) + line, spineY + line));
        for (int k = firstRow; k <= lastRow; k++)
        {
            int y = Dots(k * RulerStepInches);
            rules.Add(new DotRect(spineX, y, spineX + TickLength(k, Dots), y + line));
            if (k % 10 == 0 && y + Dots(0.1) < spineY) // the corner where the rulers meet has the other ruler's numbers
            {
                var number = Measure(Inches(k), 6, bold: false, dpi);
                text.Add(new TextLine(number.Text, spineX + Dots(0.18), y + (int)Math.Round(number.CapHeight / 2), number.Size, false));
            }
        }

        for (int k = firstColumn; k <= lastColumn; k++)
        {
            int x = Dots(k * RulerStepInches);
            rules.Add(new DotRect(x, spineY, x + line, spineY + TickLength(k, Dots)));
            if (k % 10 == 0)
            {
                var number = Measure(Inches(k), 6, bold: false, dpi);
                text.Add(new TextLine(number.Text, x - (int)Math.Round(number.Advance / 2), spineY + Dots(0.2) + (int)Math.Ceiling(number.CapHeight), number.Size, false));
            }
        }

        // The words, in the largest free area: left of the indicium's place, above it or below it.
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
        int textLeft = Dots(TextLeftInches), textRight = Dots(widthInches - RulerInsetInches), pad = Dots(0.15);
        var areas = new[]
        {
            new DotRect(textLeft, top + pad, keepOut.Left - pad, spineY - pad),
            new DotRect(textLeft, top + pad, textRight, keepOut.Top - pad),
            new DotRect(textLeft, keepOut.Bottom + pad, textRight, spineY - pad),
        };
        var area = areas.Where(a => a.Width >= Dots(MinTextWidthInches) && a.Height > 0).MaxBy(a => (long)a.Width * a.Height);
        if (area == default)
        {
            throw new LabelException(LabelError.UnsupportedLabelLayout, $"a test print's lines find no room on a {widthInches} x {heightInches} in. {LayoutName(request.Layout)}");
        }

        // Set at their sizes, or smaller all together until they fit the area's height; each line no wider than the area.
        float scale = 1f;
        List<MeasuredLine> set;
        while (true)
        {
            set = words.Select(w => Fit(w.Text, w.Points * scale, w.Bold, area.Width, dpi)).ToList();
            float needed = set[0].CapHeight + set.Skip(1).Select((m, i) => set[i].Descent + (Leading * m.Size) + m.CapHeight).Sum() + set[^1].Descent;
            if (needed <= area.Height || scale <= MinTextScale)
            {
                break;
            }

            scale = Math.Max(MinTextScale, scale * area.Height / needed * 0.99f);
        }

        float baseline = area.Top;
        for (int i = 0; i < set.Count; i++)
        {
            baseline += i == 0 ? set[i].CapHeight : set[i - 1].Descent + (Leading * set[i].Size) + set[i].CapHeight;
            text.Add(new TextLine(set[i].Text, area.Left, (int)Math.Round(baseline, MidpointRounding.AwayFromZero), set[i].Size, set[i].Bold));
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
            label.ClearZoneLeft.Offset(dx, dy),
            label.ClearZoneBelow.Offset(dx, dy));
    }

    /// <summary>
    /// A label's content the size of a typical print's (a 190-byte indicium, a 52x52 symbol; the longest indicium id),
    /// so the label planner says where a real indicium block goes. Never printed: only its place is used.
    /// </summary>
    private static LabelContent TypicalContent(DateOnly date) =>
        new([.. Enumerable.Range(0, TypicalIndiciumBytes).Select(i => (byte)((i * 151) + 89))], 99_999, date, "00000", "00000", "PRIORITY MAIL EXPRESS",
            "VBI-ORL-1 000000", "Postage", IndiciumId: new string('0', LabelContent.MaxIndiciumIdLength));

    /// <summary>
    /// The tenths of an inch a ruler covers between <paramref name="from"/> and <paramref name="to"/> dots; when it
    /// <paramref name="crosses"/> the indicium's place (<paramref name="before"/> to <paramref name="after"/>), the longer side of it.
    /// </summary>
    private static (int First, int Last) Span(int from, int to, int before, int after, bool crosses, int dpi)
    {
        // Within half a dot: 0.5 in. at 203 dpi is dot 102 (101.5 rounded), still the fifth tenth.
        int Tenth(int dots, bool up) => (int)(up ? Math.Ceiling((dots - 0.5) * 10 / dpi) : Math.Floor((dots + 0.5) * 10 / dpi));
        var whole = (Tenth(from, up: true), Tenth(to, up: false));
        if (!crosses || before >= to || after <= from)
        {
            return whole;
        }

        var first = (whole.Item1, Tenth(Math.Min(before, to), up: false));
        var second = (Tenth(Math.Max(after, from), up: true), whole.Item2);
        return first.Item2 - first.Item1 >= second.Item2 - second.Item1 ? first : second;
    }

    private static bool Overlaps(int start, int end, int otherStart, int otherEnd) => start < otherEnd && otherStart < end;

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
