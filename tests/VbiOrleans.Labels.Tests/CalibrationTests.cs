using System.Text;
using PdfSharp;
using VbiOrleans.Labels.Printers;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>The customer's calibration offset, the test print, and the checks on printer profiles operators submit.</summary>
public class CalibrationTests
{
    private static readonly DateOnly Date = new(2026, 12, 7);

    [Theory]
    [InlineData("zebra-zd420-203", 50, -30, 10, -6)] // 50 x 203 / 1000 = 10.15; -30 x 203 / 1000 = -6.09
    [InlineData("dymo-labelwriter-4xl-300", -125, 125, -38, 38)] // 37.5 rounds away from zero
    [InlineData("rollo-203", 5, 0, 1, 0)]
    public void ACalibrationMovesEveryDarkPixelOfALabelByItsDots(string printerId, int xMils, int yMils, int xDots, int yDots)
    {
        var printer = PrinterTable.Load().Find(printerId)!;
        var plain = LabelRequest.For(printer, LabelFormat.Png, LabelLayout.Label4x6);

        var before = Raster.FromPng(TestRendering.Render(SampleLabels.Fixed, plain).Bytes);
        var after = Raster.FromPng(TestRendering.Render(SampleLabels.Fixed, plain with { Calibration = new CalibrationOffset(xMils, yMils) }).Bytes);

        Assert.Equal((xDots, yDots), new CalibrationOffset(xMils, yMils).ToDots(printer.Dpi));
        var (l0, t0, r0, b0) = DarkBounds(before);
        var (l1, t1, r1, b1) = DarkBounds(after);
        Assert.Equal((l0 + xDots, t0 + yDots, r0 + xDots, b0 + yDots), (l1, t1, r1, b1));
    }

    [Theory]
    [InlineData(126, 0)]
    [InlineData(0, -126)]
    public void AnOffsetOverAnEighthOfAnInchIsRefused(int xMils, int yMils)
    {
        var printer = PrinterTable.Load().Find("rollo-203")!;
        var request = LabelRequest.For(printer, LabelFormat.Png, LabelLayout.Label4x6) with { Calibration = new CalibrationOffset(xMils, yMils) };

        Assert.Equal(LabelError.CalibrationOutOfRange, Assert.Throws<LabelException>(() => TestRendering.Render(SampleLabels.Fixed, request)).Code);
        Assert.Equal(LabelError.CalibrationOutOfRange, Assert.Throws<LabelException>(() => TestPrint.Render(request, Date)).Code);
    }

    [Theory]
    [InlineData("zebra-zd420-203", LabelFormat.Png, LabelLayout.Label4x6)]
    [InlineData("generic-laser-300", LabelFormat.Png, LabelLayout.Envelope10)]
    [InlineData("generic-laser-300", LabelFormat.Pdf, LabelLayout.Label4x6)]
    [InlineData("rollo-203", LabelFormat.Pdf, LabelLayout.Label4x6)]
    public void ATestPrintIsMarkedSampleAndHasNoDataMatrix(string printerId, LabelFormat format, LabelLayout layout)
    {
        PdfSharpLicense.SetAgplLicense();
        var printer = PrinterTable.Load().Find(printerId)!;
        var request = LabelRequest.For(printer, format, layout);

        var plan = TestPrint.Plan(request, Date, 0, 0);
        var printed = TestPrint.Render(request, Date);

        Assert.Null(plan.Barcode);
        Assert.Contains(plan.Text, t => t.Text == TestPrint.Marking);
        Assert.Contains(plan.Text, t => t.Text == "SAMPLE");
        Assert.Equal(printed.Bytes, TestPrint.Render(request, Date).Bytes); // same input, same bytes
        var image = format == LabelFormat.Pdf
            ? Tools.PdfToPng(WriteTemp(printed.Bytes, "test-print.pdf"), printer.Dpi)
            : WriteTemp(printed.Bytes, "test-print.png");
        Assert.Null(Tools.DmtxDecode(image, milliseconds: 5_000));
        var zxing = Tools.Run(Tools.Require(Tools.ZXing), ["-format", "DataMatrix", image], TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("Bytes:", Encoding.ASCII.GetString(zxing.Stdout), StringComparison.Ordinal);
    }

    [Fact]
    public void AZplTestPrintSaysSampleAndDrawsNoGraphicOrSymbol()
    {
        var zebra = PrinterTable.Load().Find("zebra-zd420-203")!;

        var zpl = Encoding.ASCII.GetString(TestPrint.Render(LabelRequest.For(zebra, LabelFormat.Zpl, LabelLayout.Label4x6), Date).Bytes);

        Assert.Contains("^FDSAMPLE - NOT POSTAGE^FS", zpl, StringComparison.Ordinal);
        Assert.DoesNotContain("^GF", zpl, StringComparison.Ordinal);
        Assert.DoesNotContain("^BX", zpl, StringComparison.Ordinal);
        Assert.Contains("^LH0,0", zpl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(203, 0, 0)]
    [InlineData(203, 40, -20)]
    [InlineData(300, -125, 125)]
    public void TheCornerMarksAndRulerTicksAreAtTheirStatedDistancesPlusTheOffset(int dpi, int xMils, int yMils)
    {
        var printer = PrinterTable.Load().First(p => p.Dpi == dpi && p.Supports(LabelFormat.Png));
        var calibration = new CalibrationOffset(xMils, yMils);
        var (dx, dy) = calibration.ToDots(dpi);

        var page = Raster.FromPng(TestPrint.Render(LabelRequest.For(printer, LabelFormat.Png, LabelLayout.Label4x6) with { Calibration = calibration }, Date).Bytes);

        int Dots(double inches) => (int)Math.Round((decimal)inches * dpi, MidpointRounding.AwayFromZero);
        // The bottom-left corner mark: its outer corner is the dark dot a quarter inch from the left and bottom edges.
        int left = Dots(TestPrint.CornerMarkInches), bottom = Dots(6.0 - TestPrint.CornerMarkInches) - 1;
        Assert.True(page[left + dx, bottom + dy] < 128, "the corner mark's outer corner is dark");
        Assert.True(page[left + dx - 1, bottom + dy - 2] > 200, "left of the corner mark is blank");
        Assert.True(page[left + dx + 2, bottom + dy + 1] > 200, "below the corner mark is blank");
        // The 2 in. tick of the bottom ruler: its left edge 2 in. from the left edge.
        int spineY = Dots(6.0 - TestPrint.RulerFromBottomInches);
        int tick = Dots(2.0);
        int below = spineY + dy + Dots(0.1);
        Assert.True(page[tick + dx, below] < 128, "the 2 in. tick is dark at its left edge");
        Assert.True(page[tick + dx - 1, below] > 200, "left of the 2 in. tick is blank");
    }

    [Fact]
    public void NothingOfATestPrintIsInTheIndiciumsClearZone()
    {
        foreach (var printer in PrinterTable.Load())
        {
            foreach (var layout in printer.Layouts)
            {
                var plan = TestPrint.Plan(LabelRequest.For(printer, printer.Formats[0], layout), Date, 0, 0);
                foreach (var rule in plan.Rules)
                {
                    Assert.False(rule.Intersects(plan.ClearZoneLeft) || rule.Intersects(plan.ClearZoneBelow), $"{printer.Id} {layout}: a rule at {rule}");
                }

                Assert.All(plan.Text, t => Assert.False(
                    plan.ClearZoneLeft.Intersects(new Layout.DotRect(t.X, t.Baseline - (int)t.SizeDots, t.X + 1, t.Baseline)), $"{printer.Id} {layout}: '{t.Text}'"));
            }
        }
    }

    [Theory]
    [InlineData("Zebra", "Zebra", 203, 0, "zpl", "label-4x6", PrinterProblem.InvalidId)]
    [InlineData("", "Zebra", 203, 0, "zpl", "label-4x6", PrinterProblem.InvalidId)]
    [InlineData("zebra", "", 203, 0, "zpl", "label-4x6", PrinterProblem.InvalidName)]
    [InlineData("zebra", "Zebra\u00e9", 203, 0, "zpl", "label-4x6", PrinterProblem.InvalidName)]
    [InlineData("zebra", "Zebra", 149, 0, "zpl", "label-4x6", PrinterProblem.DpiOutOfRange)]
    [InlineData("zebra", "Zebra", 1201, 0, "zpl", "label-4x6", PrinterProblem.DpiOutOfRange)]
    [InlineData("zebra", "Zebra", 203, 26, "zpl", "label-4x6", PrinterProblem.ShiftOutOfRange)]
    [InlineData("zebra", "Zebra", 203, -26, "zpl", "label-4x6", PrinterProblem.ShiftOutOfRange)]
    [InlineData("zebra", "Zebra", 203, 25, "", "label-4x6", PrinterProblem.InvalidFormats)]
    [InlineData("zebra", "Zebra", 203, 25, "zpl,zpl", "label-4x6", PrinterProblem.InvalidFormats)]
    [InlineData("zebra", "Zebra", 203, 25, "zpl", "", PrinterProblem.InvalidLayouts)]
    [InlineData("zebra-2", "Zebra", 203, 25, "zpl", "label-4x6", PrinterProblem.None)]
    public void AProfileIsCheckedWithAStableReason(string id, string name, int dpi, int shift, string formats, string layouts, PrinterProblem expected)
    {
        var profile = new PrinterProfile(id, name, dpi, shift, 0,
            formats.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(f => Enum.Parse<LabelFormat>(f, ignoreCase: true)).ToList(),
            layouts.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l == "label-4x6" ? LabelLayout.Label4x6 : LabelLayout.Envelope10).ToList(),
            "4x6 labels");

        var (problem, message) = profile.Check();

        Assert.Equal(expected, problem);
        Assert.Equal(expected == PrinterProblem.None, message is null);
    }

    [Fact]
    public void ATableOfProfilesRefusesARepeatedId()
    {
        var one = PrinterTable.Load()[0];

        Assert.Throws<InvalidDataException>(() => PrinterTable.Of([one, one with { Name = "again" }]));
        Assert.Empty(PrinterTable.Of([]));
    }

    private static (int Left, int Top, int Right, int Bottom) DarkBounds(Raster page)
    {
        int left = int.MaxValue, top = int.MaxValue, right = -1, bottom = -1;
        for (int y = 0; y < page.Height; y++)
        {
            for (int x = 0; x < page.Width; x++)
            {
                if (page[x, y] < 128)
                {
                    (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
                }
            }
        }

        return (left, top, right, bottom);
    }

    private static string WriteTemp(byte[] bytes, string name)
    {
        var path = Tools.TempFile(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
