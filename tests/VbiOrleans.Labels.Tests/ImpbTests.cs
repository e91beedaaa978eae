using System.Text;
using VbiOrleans.Labels.Layout;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>The IMpb on an addressed label: geometry, quiet zones, code set C, and the refusals of bad shipments.</summary>
public class ImpbTests
{
    public static TheoryData<LabelLayout, int> Layouts() => new()
    {
        { LabelLayout.Label4x6, 203 },
        { LabelLayout.Label4x6, 300 },
        { LabelLayout.Envelope10, 203 },
        { LabelLayout.Envelope10, 300 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void BarsAreWholeDotModulesWithTenModuleQuietZonesInCodeSetC(LabelLayout layout, int dpi)
    {
        var request = new LabelRequest(LabelFormat.Png, layout, dpi);
        var plan = LabelRenderer.Plan(SampleLabels.Shipped, request);
        var impb = Assert.IsType<LinearBarcodePlacement>(plan.Impb);
        int x = impb.ModuleDots;

        Assert.Equal(dpi == 203 ? 3 : 4, x);
        Assert.InRange(x / (double)dpi, 0.013, 0.017);
        double barInches = impb.Bars[0].Height / (double)dpi;
        Assert.InRange(barInches, layout == LabelLayout.Label4x6 ? 0.74 : 0.45, layout == LabelLayout.Label4x6 ? 0.76 : 0.76);

        // Runs of bars and spaces in modules, read from the PNG's middle row of the bars.
        var raster = Raster.FromPng(TestRendering.Render(SampleLabels.Shipped, request).Bytes);
        int y = impb.Bars[0].Top + (impb.Bars[0].Height / 2);
        int first = impb.Bars.Min(b => b.Left), last = impb.Bars.Max(b => b.Right);
        var runs = new List<int>();
        for (int px = first; px < last;)
        {
            bool dark = raster[px, y] == 0;
            int start = px;
            while (px < last && (raster[px, y] == 0) == dark)
            {
                Assert.True(raster[px, y] is 0 or 255, $"pixel ({px}, {y}) in the IMpb is gray {raster[px, y]}");
                px++;
            }

            Assert.True((px - start) % x == 0, $"a run of {px - start} dots at {start} is not whole modules of {x}");
            runs.Add((px - start) / x);
        }

        // 420 + ZIP+4 (12 digits) and a 22-digit tracking number in code set C: start C, FNC1, 6 pairs, FNC1,
        // 11 pairs, check = 21 symbols of 11 modules, and the 13-module stop.
        Assert.Equal((21 * 11) + 13, runs.Sum());
        Assert.Equal([2, 1, 1, 2, 3, 2], runs.Take(6)); // Start C
        Assert.Equal([4, 1, 1, 1, 3, 1], runs.Skip(6).Take(6)); // FNC1
        Assert.Equal([2, 3, 3, 1, 1, 1, 2], runs.TakeLast(7)); // Stop

        // At least ten modules of white each side, over the bars' height.
        int quiet = 10 * x;
        var bottom = impb.Bars[0].Bottom;
        Assert.Empty(raster.InkIn(first - quiet, impb.Bars[0].Top, first, bottom));
        Assert.Empty(raster.InkIn(last, impb.Bars[0].Top, last + quiet, bottom));
        Assert.True(first - quiet >= 0 && last + quiet <= raster.Width, "the quiet zones are off the page");

        Assert.Contains(plan.Text, t => t.Text == "USPS TRACKING # " + Grouped(SampleLabels.Shipment.TrackingNumber));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ZplAndSvgDrawOurBarsAsBoxesNotThePrintersCode128(LabelLayout layout, int dpi)
    {
        var plan = LabelRenderer.Plan(SampleLabels.Shipped, new LabelRequest(LabelFormat.Zpl, layout, dpi));
        var zpl = Encoding.ASCII.GetString(TestRendering.Render(SampleLabels.Shipped, LabelFormat.Zpl, layout, dpi).Bytes);

        var svg = Encoding.UTF8.GetString(TestRendering.Render(SampleLabels.Shipped, LabelFormat.Svg, layout, dpi).Bytes);

        Assert.DoesNotContain("^BC", zpl, StringComparison.Ordinal);
        foreach (var bar in plan.Impb!.Bars)
        {
            Assert.Contains($"^FO{bar.Left},{bar.Top}^GB{bar.Width},{bar.Height},{Math.Min(bar.Width, bar.Height)}^FS", zpl, StringComparison.Ordinal);
            Assert.Contains($"<rect x=\"{bar.Left}\" y=\"{bar.Top}\" width=\"{bar.Width}\" height=\"{bar.Height}\" fill=\"#000\" shape-rendering=\"crispEdges\" />", svg, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void SenderWeightBannerRecipientIndiciumAndImpbAreInTheirPlaces(LabelLayout layout, int dpi)
    {
        var plan = LabelRenderer.Plan(SampleLabels.Shipped, new LabelRequest(LabelFormat.Svg, layout, dpi));
        TextLine Line(string text) => Assert.Single(plan.Text, t => t.Text == text);
        int margin = (int)Math.Round(0.25 * dpi);

        // Sender top-left in small type, weight top-right, on the same band.
        var sender = SampleLabels.Shipment.From.Select(Line).ToList();
        Assert.All(sender, l => Assert.Equal(margin, l.X));
        Assert.True(sender.Select(l => l.Baseline).SequenceEqual(sender.Select(l => l.Baseline).Order()), "sender lines out of order");
        var weight = Line("WT 1 LB 4.5 OZ");
        Assert.True(weight.X > plan.WidthDots / 2 && weight.Baseline <= sender[1].Baseline, $"the weight at {weight.X},{weight.Baseline} is not top-right");

        // The banner between two thick rules across the page, below the sender.
        var banner = Line("USPS GROUND ADVANTAGE");
        var above = plan.Rules.Where(r => r.Bottom <= banner.Baseline && r.Width >= plan.WidthDots - (2 * margin)).MaxBy(r => r.Bottom);
        var below = plan.Rules.Where(r => r.Top >= banner.Baseline && r.Width >= plan.WidthDots - (2 * margin)).MinBy(r => r.Top);
        Assert.True(above.Top > sender[^1].Baseline && below.Height >= 0.03 * dpi, $"banner rules {above} and {below}");
        Assert.True(banner.SizeDots > sender[0].SizeDots * 1.5f && banner.Bold);

        // The recipient under "SHIP TO:", larger than the sender, below the banner.
        var shipTo = Line("SHIP TO:");
        var recipient = SampleLabels.Shipment.To.Select(Line).ToList();
        Assert.True(shipTo.Baseline > below.Bottom && recipient.All(l => l.Baseline > shipTo.Baseline && l.SizeDots > sender[0].SizeDots));

        // The IMpb at the bottom, its tracking line just above the bars, under everything else.
        var impb = plan.Impb!;
        var tracking = Assert.Single(plan.Text, t => t.Text.StartsWith("USPS TRACKING # ", StringComparison.Ordinal));
        Assert.True(tracking.Baseline < impb.Bars[0].Top && impb.Bars[0].Top - tracking.Baseline < 0.15 * dpi);
        Assert.True(impb.Bars[0].Bottom <= plan.HeightDots - margin + 1);
        Assert.True(plan.IndiciumBlock.Bottom < tracking.Baseline - (0.5 * dpi), "the indicium's clear zone reaches the IMpb");
        Assert.All(plan.Text.Where(t => t != tracking), t => Assert.True(t.Baseline < tracking.Baseline, $"'{t.Text}' is below the tracking line"));
    }

    [Theory]
    [InlineData("20.5", "WT 1 LB 4.5 OZ")]
    [InlineData("12", "WT 12 OZ")]
    [InlineData("0.35", "WT 0.35 OZ")]
    [InlineData("16", "WT 1 LB 0 OZ")]
    [InlineData("1120", "WT 70 LB 0 OZ")]
    public void WeightIsPoundsAndOunces(string ounces, string printed)
    {
        Assert.Equal(printed, LabelPlanner.WeightText(decimal.Parse(ounces, System.Globalization.CultureInfo.InvariantCulture)));
    }

    public static TheoryData<string, LabelShipment> Invalid() => new()
    {
        { "no sender line", SampleLabels.Shipment with { From = [] } },
        { "six recipient lines", SampleLabels.Shipment with { To = ["A", "B", "C", "D", "E", "F"] } },
        { "a 49-character line", SampleLabels.Shipment with { To = [new string('A', 49)] } },
        { "a blank line", SampleLabels.Shipment with { From = ["ACME", " "] } },
        { "non-ASCII", SampleLabels.Shipment with { To = ["JOSÉ ROE", "1 MAIN ST", "AUSTIN TX 78701"] } },
        { "a newline", SampleLabels.Shipment with { To = ["JANE\nROE"] } },
        { "empty banner", SampleLabels.Shipment with { ServiceBanner = "" } },
        { "zero weight", SampleLabels.Shipment with { WeightOunces = 0 } },
        { "over 70 lb", SampleLabels.Shipment with { WeightOunces = 1120.1m } },
        { "19-digit tracking", SampleLabels.Shipment with { TrackingNumber = new string('9', 19) } },
        { "35-digit tracking", SampleLabels.Shipment with { TrackingNumber = new string('9', 35) } },
        { "tracking with a space", SampleLabels.Shipment with { TrackingNumber = "9205 5901234123456789" } },
        { "4-digit routing ZIP", SampleLabels.Shipment with { RoutingZip = "9410" } },
        { "routing ZIP with letters", SampleLabels.Shipment with { RoutingZip = "9410A" } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void BadShipmentContentIsRefusedByName(string why, LabelShipment shipment)
    {
        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(SampleLabels.Fixed with { Shipment = shipment }, LabelFormat.Png, LabelLayout.Label4x6, 203));

        Assert.True(refused.Code == LabelError.InvalidLabelContent, $"{why}: {refused.Code}");
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public void A34DigitTrackingNumberFitsTheEnvelopeButNotA4x6LabelAt203Dpi()
    {
        var content = SampleLabels.Fixed with { Shipment = SampleLabels.Shipment with { TrackingNumber = SampleLabels.TrackingNumber("92", "055", "901234567", new string('1', 19)) } };

        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(content, LabelFormat.Png, LabelLayout.Label4x6, 203));

        Assert.Equal(LabelError.InvalidLabelContent, refused.Code);
        Assert.Contains("wider than", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(LabelRenderer.Plan(content, new LabelRequest(LabelFormat.Png, LabelLayout.Envelope10, 203)).Impb);
    }

    [Fact]
    public void OddLengthTrackingNumbersAndBothZipFormsReadBackExactly()
    {
        var cases = new[]
        {
            (Tracking: SampleLabels.TrackingNumber("92", "055", "901234", "123456789"), Zip: "94102"), // 21 digits
            (Tracking: SampleLabels.TrackingNumber("93", "612", "901234567", "123456789012"), Zip: "941024603"), // 27
            (Tracking: SampleLabels.TrackingNumber("94", "001", "901234567", new string('7', 19)), Zip: "94102-4603"), // 34
        };
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 3 }, c =>
        {
            var content = SampleLabels.Fixed with { Shipment = SampleLabels.Shipment with { TrackingNumber = c.Tracking, RoutingZip = c.Zip } };
            var file = Tools.TempFile($"odd-{c.Tracking.Length}.png");
            File.WriteAllBytes(file, TestRendering.Render(content, LabelFormat.Png, LabelLayout.Envelope10, 300).Bytes);
            var expected = "420" + c.Zip.Replace("-", string.Empty, StringComparison.Ordinal) + "\u001d" + c.Tracking;
            var found = Tools.ZXingFind(file, "Code128", "-noscale");
            if (found.Count != 1 || found[0].Identifier != "]C1" || Encoding.ASCII.GetString(found[0].Bytes) != expected)
            {
                failures.Add($"{c.Tracking.Length} digits, ZIP {c.Zip} ({Tools.Keep(file)}): {string.Join(", ", found.Select(f => f.Identifier + " " + Encoding.ASCII.GetString(f.Bytes)))}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join('\n', failures));
    }

    private static string Grouped(string digits) =>
        string.Join(' ', Enumerable.Range(0, (digits.Length + 3) / 4).Select(i => digits.Substring(i * 4, Math.Min(4, digits.Length - (i * 4)))));
}
