using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VbiOrleans.DataMatrix;
using VbiOrleans.Labels.Printers;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>The ZPL sets the page for the resolution and carries our symbol, bit for bit, as a graphic field.</summary>
public partial class ZplTests
{
    [Theory]
    [InlineData(LabelLayout.Label4x6, 203, 812, 1218)]
    [InlineData(LabelLayout.Label4x6, 300, 1200, 1800)]
    [InlineData(LabelLayout.Envelope10, 203, 1929, 838)]
    [InlineData(LabelLayout.Envelope10, 300, 2850, 1238)]
    public void PageWidthAndLabelLengthAreInDots(LabelLayout layout, int dpi, int width, int length)
    {
        var zpl = Text(SampleLabels.Fixed, layout, dpi);

        Assert.StartsWith("^XA\n", zpl, StringComparison.Ordinal);
        Assert.EndsWith("^XZ\n", zpl, StringComparison.Ordinal);
        Assert.Contains($"\n^PW{width}\n", zpl, StringComparison.Ordinal);
        Assert.Contains($"\n^LL{length}\n", zpl, StringComparison.Ordinal);
        Assert.Contains("\n^LH0,0\n", zpl, StringComparison.Ordinal);
        Assert.DoesNotContain("^BX", zpl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LabelLayout.Label4x6, 203)]
    [InlineData(LabelLayout.Label4x6, 300)]
    [InlineData(LabelLayout.Envelope10, 203)]
    [InlineData(LabelLayout.Envelope10, 300)]
    public void TheGraphicFieldIsTheEncodersModuleMatrix(LabelLayout layout, int dpi)
    {
        foreach (var length in new[] { 1, 120, 150, 200 })
        {
            var indicium = SampleLabels.Bytes(length + dpi, length);
            var expected = DataMatrixEncoder.Encode(indicium);
            var zpl = Text(SampleLabels.WithIndicium(indicium), layout, dpi);

            var field = Assert.Single(GraphicField().Matches(zpl));
            int total = Int(field, "total");
            Assert.Equal(total, Int(field, "count"));
            int bytesPerRow = Int(field, "perRow");
            var data = Convert.FromHexString(field.Groups["hex"].Value);
            Assert.Equal(total, data.Length);
            Assert.Equal(0, total % bytesPerRow);
            int rows = total / bytesPerRow;

            int module = rows / expected.Rows;
            Assert.Equal(dpi == 203 ? 4 : 6, module);
            Assert.Equal(expected.Rows * module, rows);
            int width = expected.Columns * module;
            Assert.Equal((width + 7) / 8, bytesPerRow);

            bool Dot(int x, int y) => (data[(y * bytesPerRow) + (x / 8)] & (0x80 >> (x % 8))) != 0;
            for (int y = 0; y < rows; y++)
            {
                for (int x = width; x < bytesPerRow * 8; x++)
                {
                    Assert.False(Dot(x, y), $"padding bit {x} of row {y} is set");
                }
            }

            ModuleGrid.AssertEqual(expected, ModuleGrid.Read(Dot, 0, 0, expected.Rows, expected.Columns, module));
        }
    }

    [Fact]
    public void ThePrinterOffsetIsTheLabelHome()
    {
        var zebra = PrinterTable.Load().Find("zebra-zd420-203")!;
        var plain = Text(SampleLabels.Fixed, LabelLayout.Label4x6, 203);

        var shifted = Text(SampleLabels.Fixed, LabelRequest.For(zebra with { OffsetXDots = 12, OffsetYDots = 8 }, LabelFormat.Zpl, LabelLayout.Label4x6));

        Assert.Contains("\n^LH12,8\n", shifted, StringComparison.Ordinal);
        Assert.Equal(plain.Replace("^LH0,0", "^LH12,8", StringComparison.Ordinal), shifted);
    }

    [Fact]
    public void ANegativeOffsetMovesTheFieldsBecauseTheHomeCannotBeNegative()
    {
        var zebra = PrinterTable.Load().Find("zebra-zd420-203")!;
        var plain = Positions(Text(SampleLabels.Fixed, LabelLayout.Label4x6, 203));

        var shifted = Text(SampleLabels.Fixed, LabelRequest.For(zebra with { OffsetXDots = -10, OffsetYDots = 6 }, LabelFormat.Zpl, LabelLayout.Label4x6));

        Assert.Contains("\n^LH0,6\n", shifted, StringComparison.Ordinal);
        Assert.Equal(plain.Select(p => (p.X - 10, p.Y)), Positions(shifted));
    }

    [Fact]
    public void FieldDataEscapesTheCaretTildeAndUnderscore()
    {
        var zpl = Text(SampleLabels.Fixed with { MailClass = "a^b~c_d" }, LabelLayout.Label4x6, 203);

        Assert.Contains("^FH^FDA_5EB_7EC_5FD^FS", zpl, StringComparison.Ordinal);
        Assert.Contains("^FH^FD$0.735^FS", zpl, StringComparison.Ordinal);
        Assert.Contains("^FH^FDFROM 10001^FS", zpl, StringComparison.Ordinal);
        Assert.All(zpl, c => Assert.InRange(c, '\n', '~'));
    }

    private static string Text(LabelContent content, LabelLayout layout, int dpi) =>
        Text(content, new LabelRequest(LabelFormat.Zpl, layout, dpi));

    private static string Text(LabelContent content, LabelRequest request) =>
        Encoding.ASCII.GetString(TestRendering.Render(content, request).Bytes);

    private static List<(int X, int Y)> Positions(string zpl) =>
        FieldOrigin().Matches(zpl).Select(m => (Int(m, "x"), Int(m, "y"))).ToList();

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\^FO\d+,\d+\^GFA,(?<total>\d+),(?<count>\d+),(?<perRow>\d+),(?<hex>[0-9A-F]+)\^FS")]
    private static partial Regex GraphicField();

    [GeneratedRegex(@"\^F[OT](?<x>-?\d+),(?<y>-?\d+)")]
    private static partial Regex FieldOrigin();
}
