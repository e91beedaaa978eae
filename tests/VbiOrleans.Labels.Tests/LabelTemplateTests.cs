using System.Text;
using VbiOrleans.Labels.Formats;
using VbiOrleans.Labels.Layout;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// Labels from a template (LabelTemplateCache): the frame (the page, the shift, an addressed label's sender, banner and
/// "SHIP TO:") is prepared once, and every later print of the same template writes only its own marks into it. A
/// print from a warm template reads as its own data, differs from another print of the template only where their own
/// marks are, has the same bytes whether its template was kept or built for it, and the cache stays within its bounds.
/// </summary>
public class LabelTemplateTests
{
    private const byte GroupSeparator = 0x1D;

    /// <summary>Two prints of one customer: another indicium, recipient, weight, tracking number, routing ZIP and date.</summary>
    private static readonly LabelContent First = SampleLabels.Shipped with { Indicium = SampleLabels.Bytes(11, 190) };

    private static readonly LabelContent Second = SampleLabels.Shipped with
    {
        Indicium = SampleLabels.Bytes(12, 176),
        PostageMills = 1_245,
        DateOfMailing = new DateOnly(2026, 12, 8),
        IndiciumId = "m-000123-0000043",
        Shipment = SampleLabels.Shipment with
        {
            To = ["RICHARD MILES", "PO BOX 4471", "OAKLAND CA 94612-0471"],
            WeightOunces = 3.25m,
            TrackingNumber = SampleLabels.TrackingNumber("93", "055", "901234", "0000077777"),
            RoutingZip = "94612",
        },
    };

    [Theory]
    [InlineData(LabelFormat.Png, LabelLayout.Label4x6, 203)]
    [InlineData(LabelFormat.Pdf, LabelLayout.Label4x6, 300)]
    [InlineData(LabelFormat.Zpl, LabelLayout.Label4x6, 203)]
    [InlineData(LabelFormat.Png, LabelLayout.Envelope10, 300)]
    [InlineData(LabelFormat.Pdf, LabelLayout.Envelope10, 203)]
    [InlineData(LabelFormat.Zpl, LabelLayout.Envelope10, 300)]
    public void APrintFromAWarmTemplateReadsAsItsOwnData(LabelFormat format, LabelLayout layout, int dpi)
    {
        var templates = new LabelTemplateCache(4, LabelTemplateCache.DefaultMaxBytes);
        var request = new LabelRequest(format, layout, dpi);
        Render(First, request, templates);
        var second = Render(Second, request, templates).Bytes;
        Assert.Equal(1, templates.Builds);

        var name = $"template-{layout}-{dpi}";
        var file = Tools.TempFile(name + "." + LabelContentTypes.FileExtension(format));
        File.WriteAllBytes(file, second);
        var image = format switch
        {
            LabelFormat.Png => file,
            LabelFormat.Pdf => Tools.PdfToPng(file, dpi),
            _ => ZplPage.ToPgm(second, name),
        };

        var matrices = Tools.ZXingFind(image, "DataMatrix");
        Assert.True(matrices.Count == 1 && matrices[0].Bytes.AsSpan().SequenceEqual(Second.Indicium), $"ZXingReader on {Tools.Keep(image)}: {matrices.Count} Data Matrix symbols, not the second print's indicium");
        var dmtx = Tools.DmtxDecode(image);
        Assert.True(dmtx is not null && dmtx.AsSpan().SequenceEqual(Second.Indicium), $"dmtxread on {Tools.Keep(image)}: not the second print's indicium");

        var shipment = Second.Shipment!;
        var impb = Encoding.ASCII.GetBytes("420" + shipment.RoutingZip).Append(GroupSeparator).Concat(Encoding.ASCII.GetBytes(shipment.TrackingNumber)).ToArray();
        var linear = Tools.ZXingFind(image, "Code128", "-noscale");
        Assert.True(linear.Count == 1 && linear[0].Identifier == "]C1" && linear[0].Bytes.AsSpan().SequenceEqual(impb),
            $"ZXingReader on {Tools.Keep(image)}: {string.Join(", ", linear.Select(l => $"{l.Identifier} {Encoding.Latin1.GetString(l.Bytes)}"))}");
        Assert.True(UspsMod10.IsValid(shipment.TrackingNumber));

        if (format == LabelFormat.Pdf)
        {
            // The text a PDF reader extracts is the second print's, over the template's frame; poppler finds nothing to complain of.
            var (code, stdout, stderr) = Tools.Run(Tools.Require(Tools.PdfToText), ["-layout", file, "-"], TimeSpan.FromSeconds(30));
            Assert.True(code == 0 && stderr.Length == 0, $"pdftotext exit {code}: {stderr}");
            var text = Encoding.UTF8.GetString(stdout);
            var plan = LabelRenderer.Plan(Second, request);
            Assert.All(plan.Text, line => Assert.Contains(line.Text, text, StringComparison.Ordinal));
            Assert.Contains("RICHARD MILES", text, StringComparison.Ordinal);
            Assert.Contains("ACME SUPPLY CO", text, StringComparison.Ordinal);
            Assert.DoesNotContain("JANE ROE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("WT 1 LB 4.5 OZ", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(LabelLayout.Label4x6, 203)]
    [InlineData(LabelLayout.Envelope10, 300)]
    public void TwoPngPrintsOfOneTemplateDifferOnlyInsideTheirOwnMarks(LabelLayout layout, int dpi)
    {
        var templates = new LabelTemplateCache(4, LabelTemplateCache.DefaultMaxBytes);
        var request = new LabelRequest(LabelFormat.Png, layout, dpi) { Calibration = new Printers.CalibrationOffset(XMils: 40, YMils: -30) };
        var first = Raster.FromPng(Render(First, request, templates).Bytes);
        var second = Raster.FromPng(Render(Second, request, templates).Bytes);
        var firstPlan = LabelRenderer.Plan(First, request);
        var secondPlan = LabelRenderer.Plan(Second, request);
        Assert.Equal(firstPlan.Frame, secondPlan.Frame, FrameComparer.Instance);
        Assert.Contains(firstPlan.Frame.Text, t => t.Text == "USPS GROUND ADVANTAGE");
        Assert.Contains(firstPlan.Frame.Text, t => t.Text == "ACME SUPPLY CO");
        var own = OwnMarks(firstPlan).Concat(OwnMarks(secondPlan)).ToList();

        int differing = 0;
        for (int y = 0; y < first.Height; y++)
        {
            for (int x = 0; x < first.Width; x++)
            {
                if (first[x, y] != second[x, y])
                {
                    differing++;
                    Assert.True(own.Any(r => r.Left <= x && x < r.Right && r.Top <= y && y < r.Bottom), $"the prints differ at ({x}, {y}), outside both prints' own marks");
                }
            }
        }

        Assert.True(differing > 1000, $"only {differing} pixels differ between two prints with different indicia and recipients");
    }

    [Theory]
    [InlineData(LabelFormat.Pdf)]
    [InlineData(LabelFormat.Svg)]
    [InlineData(LabelFormat.Zpl)]
    public void TwoTextPrintsOfOneTemplateShareItsFrameBytes(LabelFormat format)
    {
        var templates = new LabelTemplateCache(4, LabelTemplateCache.DefaultMaxBytes);
        var request = new LabelRequest(format, LabelLayout.Label4x6, 300);
        var first = Render(First, request, templates).Bytes;
        var second = Render(Second, request, templates).Bytes;

        int common = first.AsSpan().CommonPrefixLength(second);
        var shared = Encoding.Latin1.GetString(first, 0, common);
        var rest = Encoding.Latin1.GetString(second, common, second.Length - common);

        // Everything of the frame is in the bytes both prints start with; nothing of either print's own marks is.
        var frame = LabelRenderer.Plan(First, request).Frame;
        var marker = format switch
        {
            LabelFormat.Pdf => "12 0 obj",
            LabelFormat.Svg => ">USPS GROUND ADVANTAGE</text>",
            _ => "^FDUSPS GROUND ADVANTAGE^FS",
        };
        Assert.Contains(marker, shared, StringComparison.Ordinal);
        if (format != LabelFormat.Pdf)
        {
            Assert.All(frame.Text, line => Assert.Contains(line.Text, shared, StringComparison.Ordinal));
        }

        Assert.DoesNotContain("JANE ROE", shared, StringComparison.Ordinal);
        Assert.DoesNotContain("WT ", shared, StringComparison.Ordinal);
        if (format != LabelFormat.Pdf)
        {
            Assert.Contains("RICHARD MILES", rest, StringComparison.Ordinal);
            Assert.Contains("WT 3.25 OZ", rest, StringComparison.Ordinal);
            Assert.DoesNotContain("ACME SUPPLY CO", rest, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSameInputGivesTheSameBytesFromAColdOrAWarmTemplate()
    {
        foreach (var format in Enum.GetValues<LabelFormat>())
        {
            foreach (var content in new[] { SampleLabels.Fixed, First, Second })
            {
                var request = new LabelRequest(format, LabelLayout.Label4x6, 203) { Calibration = new Printers.CalibrationOffset(XMils: -20, YMils: 35) };
                var cold = Render(content, request, new LabelTemplateCache(1, LabelTemplateCache.DefaultMaxBytes)).Bytes;

                // A cache of one, warmed by this content and then by another sender's, so the second render rebuilds.
                var small = new LabelTemplateCache(1, LabelTemplateCache.DefaultMaxBytes);
                var warm = Render(content, request, small).Bytes;
                var again = Render(content, request, small).Bytes;
                Render(content with { Shipment = SampleLabels.Shipment with { From = ["ANOTHER SENDER", "1 MAIN ST", "BOSTON MA 02110"] } }, request, small);
                var rebuilt = Render(content, request, small).Bytes;

                Assert.Equal(cold, warm);
                Assert.Equal(cold, again);
                Assert.Equal(cold, rebuilt);
                Assert.Equal(cold, TestRendering.Render(content, request).Bytes);
            }
        }
    }

    [Fact]
    public void TheCacheKeepsAtMostItsTemplatesLeastRecentlyUsedDroppedFirst()
    {
        var templates = new LabelTemplateCache(3, LabelTemplateCache.DefaultMaxBytes);
        var request = new LabelRequest(LabelFormat.Zpl, LabelLayout.Label4x6, 203);
        LabelContent Sender(int i) => First with { Shipment = First.Shipment! with { From = [$"SENDER {i}", "350 5TH AVE", "NEW YORK NY 10118"] } };

        for (int i = 0; i < 10; i++)
        {
            Render(Sender(i), request, templates);
            Assert.True(templates.Count <= 3, $"{templates.Count} templates kept, more than 3");
        }

        Assert.Equal(3, templates.Count);
        Assert.Equal(10, templates.Builds);

        Render(Sender(7), request, templates); // kept: no build, and now the most recent
        Assert.Equal(10, templates.Builds);
        Render(Sender(10), request, templates); // drops sender 8, the least recently used
        Render(Sender(7), request, templates);
        Render(Sender(9), request, templates);
        Assert.Equal(11, templates.Builds);
        Render(Sender(8), request, templates);
        Assert.Equal(12, templates.Builds);

        // A letter's template is one per page and home, whatever the shift: its frame is empty.
        var letters = new LabelTemplateCache(10, LabelTemplateCache.DefaultMaxBytes);
        foreach (var mils in new[] { -100, -20, 0, 60, 120 })
        {
            Render(SampleLabels.Fixed, request with { Format = LabelFormat.Pdf, Calibration = new Printers.CalibrationOffset(mils, mils) }, letters);
        }

        Assert.Equal(1, letters.Count);
    }

    [Fact]
    public void TheCacheKeepsAtMostItsBytes()
    {
        var request = new LabelRequest(LabelFormat.Png, LabelLayout.Label4x6, 300);
        var probe = new LabelTemplateCache(1, LabelTemplateCache.DefaultMaxBytes);
        Render(First, request, probe);
        long page = probe.Bytes;
        Assert.True(page >= 1201L * 1800, $"a 4x6 PNG template at 300 dpi holds {page} bytes, less than its page");

        var templates = new LabelTemplateCache(100, (page * 5) / 2);
        for (int i = 0; i < 6; i++)
        {
            Render(First with { Shipment = First.Shipment! with { From = [$"SENDER {i}", "NEW YORK NY 10118"] } }, request, templates);
            Assert.True(templates.Bytes <= templates.MaxBytes, $"{templates.Bytes} bytes kept, more than {templates.MaxBytes}");
        }

        Assert.Equal(2, templates.Count);
        Assert.Equal(6, templates.Builds);
    }

    private static RenderedLabel Render(LabelContent content, LabelRequest request, LabelTemplateCache templates)
    {
        _ = TestRendering.Render(SampleLabels.Fixed, LabelFormat.Svg, LabelLayout.Label4x6, 203); // the PDF licence, as the tests set it
        return LabelRenderer.Render(content, request, templates);
    }

    /// <summary>The boxes a print's own marks may touch: the Data Matrix, its rules and the IMpb's bars, and each own line's ink as drawn.</summary>
    private static IEnumerable<DotRect> OwnMarks(LabelPlan plan)
    {
        if (plan.Barcode is { } barcode)
        {
            yield return new DotRect(barcode.Left, barcode.Top, barcode.Left + barcode.Width, barcode.Top + barcode.Height);
        }

        foreach (var rectangle in plan.VariableRectangles)
        {
            yield return rectangle;
        }

        foreach (var line in plan.VariableText)
        {
            var raster = LineRasters.For(line.Text, line.SizeDots, line.Bold);
            yield return new DotRect(line.X + raster.Left, line.Baseline + raster.Top, line.X + raster.Left + raster.Width, line.Baseline + raster.Top + raster.Height);
        }
    }

    /// <summary>Frames compared by their marks (the lists are new each plan).</summary>
    private sealed class FrameComparer : IEqualityComparer<LabelFrame>
    {
        public static FrameComparer Instance { get; } = new();

        public bool Equals(LabelFrame? x, LabelFrame? y) =>
            x is not null && y is not null && x.Text.SequenceEqual(y.Text) && x.Rules.SequenceEqual(y.Rules) && x.Bottom == y.Bottom && x.ShipToBottom == y.ShipToBottom;

        public int GetHashCode(LabelFrame obj) => obj.Bottom;
    }
}
