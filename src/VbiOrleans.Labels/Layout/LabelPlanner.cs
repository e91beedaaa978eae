using SkiaSharp;
using VbiOrleans.DataMatrix;
using VbiOrleans.Labels.Barcodes;
using VbiOrleans.Labels.Fonts;

namespace VbiOrleans.Labels.Layout;

/// <summary>
/// Places the indicium block (the Data Matrix symbol with the human-readable lines to its left) at the right edge, a
/// quarter inch in, its symbol across the page's middle row, and keeps a half inch to its left and below it clear,
/// as postage indicia require. With a shipment it places the sender, weight, class banner, recipient and the IMpb
/// around it. All measurements are physical units converted to whole printer dots.
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

    private const double SectionGapInches = 0.08;
    private const double BannerRuleInches = 0.04;
    private const double BannerGapInches = 0.06;
    private const double RecipientIndentInches = 0.1;
    private const double EnvelopeAddressIndentInches = 0.75;
    private const float SenderPoints = 7f;
    private const float WeightPoints = 8f;
    private const float BannerPoints = 14f;
    private const float RecipientPoints = 10f;
    private const float TrackingLabelPoints = 9f;
    private const float TrackingEnvelopePoints = 8f;

    /// <summary>
    /// The IMpb's X-dimension target: whole dots near 0.014 in. (3 dots at 203 dpi, 0.0148 in.; 4 at 300, 0.0133 in.),
    /// inside the 0.013 to 0.021 in. range barcode specifications give for package labels.
    /// </summary>
    private const double ImpbModuleInches = 0.014;

    /// <summary>GS1-128 asks for at least ten modules of light space each side.</summary>
    private const int ImpbQuietZoneModules = 10;

    private const double ImpbBarLabelInches = 0.75;
    private const double ImpbBarEnvelopeInches = 0.5;

    /// <summary>Space between lines, as a fraction of the next line's size.</summary>
    private const float Leading = 0.15f;

    public static (double Width, double Height) PageInches(LabelLayout layout) => layout switch
    {
        LabelLayout.Label4x6 => (4.0, 6.0),
        LabelLayout.Envelope10 => (9.5, 4.125),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
    };

    /// <summary>The page of <paramref name="layout"/> at <paramref name="dpi"/>.</summary>
    public static LabelPage Page(LabelLayout layout, int dpi)
    {
        var (widthInches, heightInches) = PageInches(layout);
        return new LabelPage(layout, dpi, widthInches, heightInches, (int)Math.Ceiling(widthInches * dpi), (int)Math.Ceiling(heightInches * dpi));
    }

    /// <summary>
    /// What fixes a label's frame besides the page and the shift: on an addressed label the class banner and the
    /// sender's lines (printable ASCII, so a line feed cannot occur in them); null for a letter, whose frame is empty.
    /// </summary>
    public static string? FrameKey(LabelShipment? shipment) =>
        shipment is null ? null : shipment.ServiceBanner + "\n" + string.Join('\n', shipment.From);

    /// <summary>
    /// The static marks of an addressed label, from the page's top-left corner: the sender's lines top-left in small
    /// type (in a column that leaves room for the widest weight, so no print's weight moves them), the class banner
    /// between two thick rules across the page, and on the 4x6 label "SHIP TO:" below it. A letter has none.
    /// </summary>
    public static LabelFrame Frame(LabelShipment? shipment, LabelLayout layout, int dpi)
    {
        if (shipment is null)
        {
            return LabelFrame.Empty;
        }

        int width = Page(layout, dpi).WidthDots;
        int margin = Dots(MarginInches, dpi);
        int usable = width - (2 * margin);
        var text = new List<TextLine>();
        var rules = new List<DotRect>();
        var widestWeight = Measure(WeightText(LabelShipment.MaxWeightOunces - 0.01m), WeightPoints, bold: true, dpi, usable);
        int senderWidth = usable - (int)Math.Ceiling(widestWeight.Advance) - Dots(TextGapInches * 2, dpi);
        int bottom = Stack(shipment.From.Select(l => (l, SenderPoints, false)), dpi, margin, margin, senderWidth, text);
        bottom = Math.Max(bottom, margin + (int)Math.Ceiling(widestWeight.CapHeight + widestWeight.Descent));

        int thick = Dots(BannerRuleInches, dpi);
        int gap = Dots(BannerGapInches, dpi);
        int top = bottom + Dots(SectionGapInches, dpi);
        rules.Add(new DotRect(margin, top, width - margin, top + thick));
        var banner = Measure(shipment.ServiceBanner.ToUpperInvariant(), BannerPoints, bold: true, dpi, usable - (2 * gap));
        int baseline = top + thick + gap + (int)Math.Round(banner.CapHeight);
        text.Add(new TextLine(banner.Text, margin + ((usable - (int)Math.Ceiling(banner.Advance)) / 2), baseline, banner.Size, true));
        int ruleTop = baseline + gap;
        rules.Add(new DotRect(margin, ruleTop, width - margin, ruleTop + thick));
        bottom = ruleTop + thick;

        int? shipTo = layout == LabelLayout.Label4x6
            ? Stack([("SHIP TO:", SenderPoints, true)], dpi, margin, bottom + Dots(SectionGapInches, dpi), usable, text)
            : null;
        return new LabelFrame(text, rules, bottom, shipTo);
    }

    /// <summary>Everything placed for <paramref name="layout"/> at <paramref name="dpi"/>, moved by the offset in dots.</summary>
    public static LabelPlan Plan(LabelContent content, LabelLayout layout, int dpi, int offsetX, int offsetY) =>
        Plan(content, layout, dpi, offsetX, offsetY, Frame(content.Shipment, layout, dpi));

    /// <summary>
    /// Everything placed around <paramref name="frame"/> (the content's frame, <see cref="Frame"/>, from the page's
    /// corner; a template keeps it), moved by the offset in dots.
    /// </summary>
    public static LabelPlan Plan(LabelContent content, LabelLayout layout, int dpi, int offsetX, int offsetY, LabelFrame frame)
    {
        var page = Page(layout, dpi);
        int width = page.WidthDots;
        int height = page.HeightDots;
        int margin = Dots(MarginInches, dpi);
        int clear = Dots(ClearZoneInches, dpi);
        var shipment = content.Shipment;

        var text = new List<TextLine>();
        var rules = new List<DotRect>();
        int blockTopLimit = margin;
        if (shipment is not null)
        {
            blockTopLimit = PlaceHeader(shipment, frame, dpi, width, margin, text) + Dots(SectionGapInches, dpi);
        }

        var symbol = Encode(content.Indicium);
        int module = Math.Max(1, Dots(ModuleInches, dpi));
        int quiet = QuietZoneModules * module;
        int boxHeight = (symbol.Rows * module) + (2 * quiet);

        // The symbol straddles the page's middle row: zxing-cpp 1.4's Data Matrix detector follows only the middle
        // row (and column) of an image, so a symbol off that row is not found on the whole page. Centred on the
        // row, or as close below the header as it may go.
        int middle = height / 2;
        int boxTop = Math.Max(blockTopLimit, middle - (boxHeight / 2));
        var barcodeBox = new DotRect(width - margin - (symbol.Columns * module) - (2 * quiet), boxTop, width - margin, boxTop + boxHeight);
        var barcode = new BarcodePlacement(symbol, barcodeBox.Left + quiet, barcodeBox.Top + quiet, module);

        var (indiciumText, ink) = PlaceText(content, dpi, textRight: barcodeBox.Left - Dots(TextGapInches, dpi), textTop: barcode.Top);
        var block = barcodeBox.Union(ink);
        var clearLeft = new DotRect(block.Left - clear, block.Top, block.Left, block.Bottom + clear);
        var clearBelow = new DotRect(block.Left - clear, block.Bottom, block.Right, block.Bottom + clear);
        DotRect? impbSection = null;
        LinearBarcodePlacement? impb = null;
        if (shipment is not null)
        {
            (impb, impbSection) = PlaceImpb(shipment, layout, dpi, width, height, margin, text, rules);
            PlaceRecipient(shipment, layout, dpi, width, margin, blockTopLimit, clearLeft, text);
        }

        bool overlapsImpb = impbSection is { } section && (section.Intersects(clearBelow) || section.Intersects(clearLeft));
        if (clearLeft.Left < 0 || clearBelow.Bottom > height || overlapsImpb || barcode.Top + module > middle || barcode.Top + barcode.Height - module < middle)
        {
            throw new LabelException(
                LabelError.IndiciumTooLarge,
                $"the indicium block ({block.Width / (double)dpi:0.00} x {block.Height / (double)dpi:0.00} in., a {symbol.Size} symbol) " +
                $"with its {ClearZoneInches} in. clear zone does not fit a {page.WidthInches} x {page.HeightInches} in. {layout}" +
                (shipment is null ? string.Empty : " with the addresses and the IMpb"));
        }

        text.InsertRange(0, indiciumText); // the indicium's lines first: the PDF's title is made of the first two
        if (layout == LabelLayout.Label4x6 && shipment is null)
        {
            // Separates the postage area from the address area, just below the clear zone.
            int top = clearBelow.Bottom + Dots(RuleGapInches, dpi);
            rules.Add(new DotRect(margin, top, width - margin, top + Math.Max(1, Dots(RuleThicknessInches, dpi))));
        }

        return new LabelPlan(
            layout,
            dpi,
            page.WidthInches,
            page.HeightInches,
            width,
            height,
            barcode with { Left = barcode.Left + offsetX, Top = barcode.Top + offsetY },
            text.Select(t => t with { X = t.X + offsetX, Baseline = t.Baseline + offsetY }).ToList(),
            rules.Select(r => r.Offset(offsetX, offsetY)).ToList(),
            block.Offset(offsetX, offsetY),
            clearLeft.Offset(offsetX, offsetY),
            clearBelow.Offset(offsetX, offsetY),
            impb?.Offset(offsetX, offsetY))
        {
            Frame = frame.Offset(offsetX, offsetY),
        };
    }

    /// <summary>
    /// The print's part of an addressed label's top: the weight top-right, and on the 4x6 label the recipient's lines
    /// under the frame's "SHIP TO:". Returns the lowest dot used, the top limit of the indicium block.
    /// </summary>
    private static int PlaceHeader(LabelShipment shipment, LabelFrame frame, int dpi, int width, int margin, List<TextLine> text)
    {
        int usable = width - (2 * margin);
        var weight = Measure(WeightText(shipment.WeightOunces), WeightPoints, bold: true, dpi, usable);
        text.Add(new TextLine(weight.Text, width - margin - (int)Math.Ceiling(weight.Advance), margin + (int)Math.Round(weight.CapHeight), weight.Size, true));
        return frame.ShipToBottom is { } shipTo ? PlaceRecipientLines(shipment, dpi, margin, shipTo, usable, text) : frame.Bottom;
    }

    /// <summary>On the envelope the recipient goes left of the indicium's clear zone, below the banner; on the 4x6 label it is already placed.</summary>
    private static void PlaceRecipient(LabelShipment shipment, LabelLayout layout, int dpi, int width, int margin, int top, DotRect clearLeft, List<TextLine> text)
    {
        if (layout != LabelLayout.Envelope10)
        {
            return;
        }

        int left = margin + Dots(EnvelopeAddressIndentInches, dpi);
        int right = Math.Min(clearLeft.Left, width - margin) - Dots(TextGapInches, dpi);
        PlaceShipTo(shipment, dpi, left, top, right - left, text);
    }

    /// <summary>"SHIP TO:" in small bold, then the recipient's lines large. Returns the lowest dot used.</summary>
    private static int PlaceShipTo(LabelShipment shipment, int dpi, int left, int top, int maxWidth, List<TextLine> text)
    {
        int bottom = Stack([("SHIP TO:", SenderPoints, true)], dpi, left, top, maxWidth, text);
        return PlaceRecipientLines(shipment, dpi, left, bottom, maxWidth, text);
    }

    /// <summary>The recipient's lines large, indented under "SHIP TO:" (whose lowest dot is <paramref name="shipToBottom"/>). Returns the lowest dot used.</summary>
    private static int PlaceRecipientLines(LabelShipment shipment, int dpi, int left, int shipToBottom, int maxWidth, List<TextLine> text)
    {
        int bottom = shipToBottom;
        return Stack(shipment.To.Select(l => (l, RecipientPoints, false)), dpi, left + Dots(RecipientIndentInches, dpi), bottom + Dots(TextGapInches, dpi), maxWidth - Dots(RecipientIndentInches, dpi), text);
    }

    /// <summary>
    /// The IMpb at the bottom of the page: the "USPS TRACKING #" line, then the bars with at least ten modules of
    /// quiet zone each side, centred on the 4x6 label (under a thick rule) and at the left of the envelope. The
    /// X-dimension is whole dots, about 0.014 in.; returns the barcode and the area of the section, which the
    /// indicium's clear zone must not reach.
    /// </summary>
    private static (LinearBarcodePlacement Impb, DotRect Section) PlaceImpb(LabelShipment shipment, LabelLayout layout, int dpi, int width, int height, int margin, List<TextLine> text, List<DotRect> rules)
    {
        var elements = Impb.ElementStrings(shipment.RoutingDigits()!, shipment.TrackingNumber);
        var modules = Gs1128.Encode(elements);
        int x = Math.Max(1, Dots(ImpbModuleInches, dpi));
        int quiet = ImpbQuietZoneModules * x;
        int symbolWidth = modules.Length * x;
        if (symbolWidth + (2 * quiet) > width)
        {
            throw new LabelException(
                LabelError.InvalidLabelContent,
                $"the IMpb for a {shipment.TrackingNumber.Length}-digit tracking number is {(symbolWidth + (2 * quiet)) / (double)dpi:0.00} in. wide with its quiet zones, wider than the {layout}");
        }

        bool label = layout == LabelLayout.Label4x6;
        int barHeight = Dots(label ? ImpbBarLabelInches : ImpbBarEnvelopeInches, dpi);
        int barBottom = height - margin;
        int barTop = barBottom - barHeight;
        int left = label ? (width - symbolWidth) / 2 : margin + quiet;

        var readable = Measure(Impb.HumanReadable(shipment.TrackingNumber), label ? TrackingLabelPoints : TrackingEnvelopePoints, bold: true, dpi, width - (2 * margin));
        int baseline = barTop - Dots(TextGapInches, dpi) - (int)Math.Ceiling(readable.Descent);
        int textLeft = label ? (width - (int)Math.Ceiling(readable.Advance)) / 2 : left;
        text.Add(new TextLine(readable.Text, textLeft, baseline, readable.Size, true));
        int top = baseline - (int)Math.Ceiling(readable.CapHeight) - Dots(TextGapInches, dpi);
        if (label)
        {
            int thick = Dots(BannerRuleInches, dpi);
            top -= thick;
            rules.Add(new DotRect(margin, top, width - margin, top + thick));
        }

        var bars = Gs1128.Bars(modules).Select(b => new DotRect(left + (b.Start * x), barTop, left + ((b.Start + b.Width) * x), barBottom)).ToList();
        var box = new DotRect(left - quiet, barTop, left + symbolWidth + quiet, barBottom);
        var section = label
            ? new DotRect(0, top - Dots(SectionGapInches, dpi), width, height)
            : new DotRect(0, top - Dots(SectionGapInches, dpi), Math.Max(box.Right, textLeft + (int)Math.Ceiling(readable.Advance)), height);
        return (new LinearBarcodePlacement(bars, x, box, elements), section);
    }

    /// <summary>
    /// Lines top to bottom from <paramref name="top"/>, all set smaller by the same factor when the widest is wider
    /// than <paramref name="maxWidth"/> (an address block keeps one size); returns the lowest dot of their ink.
    /// </summary>
    private static int Stack(IEnumerable<(string Text, float Points, bool Bold)> lines, int dpi, int left, int top, int maxWidth, List<TextLine> text)
    {
        var nominal = lines.Select(l => (l.Points, Measured: MeasuredLine.Of(l.Text, l.Points * dpi / 72f, l.Bold))).ToList();
        float widest = nominal.Max(l => l.Measured.Advance);
        float factor = widest <= maxWidth ? 1f : MathF.Floor(maxWidth / widest * 1000) / 1000;
        float baseline = top;
        float previousDescent = 0;
        bool first = true;
        foreach (var (points, measured) in nominal)
        {
            // Measured again only when set smaller: at the nominal size the first measurement is the line's.
            bool bold = measured.Bold;
            var m = factor == 1f ? measured : MeasuredLine.Of(measured.Text, points * dpi / 72f * factor, bold);
            baseline += first ? m.CapHeight : previousDescent + (Leading * m.Size) + m.CapHeight;
            first = false;
            previousDescent = m.Descent;
            text.Add(new TextLine(m.Text, left, (int)Math.Round(baseline, MidpointRounding.AwayFromZero), m.Size, bold));
        }

        return (int)Math.Ceiling(baseline + previousDescent);
    }

    /// <summary>"WT 12.5 OZ", "WT 1 LB 4 OZ": pounds and ounces as a shipping label prints them.</summary>
    internal static string WeightText(decimal ounces)
    {
        var pounds = decimal.Floor(ounces / 16);
        var rest = ounces - (pounds * 16);
        var restText = rest.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        return pounds == 0 ? $"WT {restText} OZ" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"WT {pounds} LB {restText} OZ");
    }

    private static MeasuredLine Measure(string text, float points, bool bold, int dpi, int maxWidth)
    {
        float size = points * dpi / 72f;
        var measured = MeasuredLine.Of(text, size, bold);
        return measured.Advance <= maxWidth
            ? measured
            : MeasuredLine.Of(text, MathF.Floor(size * maxWidth / measured.Advance * 100) / 100, bold);
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
