using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VbiOrleans.DataMatrix;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// The PDF is one page the size of the piece, and once rasterized by poppler (pdftoppm, Debian package
/// poppler-utils) at 300 dpi its symbol decodes to the indicium.
/// </summary>
public partial class PdfTests
{
    [Theory]
    [InlineData(LabelLayout.Label4x6, 203, 288, 432)]
    [InlineData(LabelLayout.Label4x6, 300, 288, 432)]
    [InlineData(LabelLayout.Envelope10, 203, 684, 297)]
    [InlineData(LabelLayout.Envelope10, 300, 684, 297)]
    public void OnePageWithTheMediaBoxOfTheLayout(LabelLayout layout, int dpi, int width, int height)
    {
        var pdf = TestRendering.Render(SampleLabels.Fixed, LabelFormat.Pdf, layout, dpi).Bytes;
        var text = Encoding.Latin1.GetString(pdf);

        Assert.StartsWith("%PDF-", text, StringComparison.Ordinal);
        Assert.EndsWith("%%EOF\n", text, StringComparison.Ordinal);
        Assert.Contains("/Count 1", text, StringComparison.Ordinal);
        var box = Assert.Single(MediaBox().Matches(text));
        Assert.Equal(width, double.Parse(box.Groups["w"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(height, double.Parse(box.Groups["h"].Value, CultureInfo.InvariantCulture));
        Assert.Contains("/CreationDate(D:20261124000000+00'00')", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LabelLayout.Label4x6, 203)]
    [InlineData(LabelLayout.Label4x6, 300)]
    [InlineData(LabelLayout.Envelope10, 203)]
    [InlineData(LabelLayout.Envelope10, 300)]
    public void RasterizedAt300DpiItDecodesToTheIndicium(LabelLayout layout, int dpi)
    {
        var indicium = SampleLabels.Bytes(dpi * 7 + (int)layout, 150 + dpi % 50);
        var content = SampleLabels.WithIndicium(indicium);
        var pdf = Tools.TempFile($"{layout}-{dpi}.pdf");
        File.WriteAllBytes(pdf, TestRendering.Render(content, LabelFormat.Pdf, layout, dpi).Bytes);

        var png = Tools.PdfToPng(pdf, 300);

        var page = Raster.FromFile(png);
        var (widthInches, heightInches) = layout == LabelLayout.Label4x6 ? (4.0, 6.0) : (9.5, 4.125);
        Assert.Equal((int)Math.Ceiling(widthInches * 300), page.Width);
        Assert.Equal((int)Math.Ceiling(heightInches * 300), page.Height);

        // The whole page, as for the PNG.
        var zxing = Tools.ZXingFind(png, "DataMatrix");
        if (zxing.Count != 1 || !zxing[0].Bytes.AsSpan().SequenceEqual(indicium))
        {
            Assert.Fail($"ZXingReader on {Tools.Keep(png)}: {string.Join(", ", zxing.Select(z => Convert.ToHexString(z.Bytes)))}");
        }

        var dmtx = Tools.DmtxDecode(png);
        if (dmtx is null || !dmtx.AsSpan().SequenceEqual(indicium))
        {
            Assert.Fail($"dmtxread on {Tools.Keep(png)}: {(dmtx is null ? "nothing found" : Convert.ToHexString(dmtx))}");
        }
    }

    [Fact]
    public void TheVectorSymbolLandsOnTheDotGrid()
    {
        var content = SampleLabels.Fixed;
        var request = new LabelRequest(LabelFormat.Pdf, LabelLayout.Envelope10, 300);
        var plan = LabelRenderer.Plan(content, request);
        var pdf = Tools.TempFile("grid.pdf");
        File.WriteAllBytes(pdf, TestRendering.Render(content, request).Bytes);

        var page = Raster.FromFile(Tools.PdfToPng(pdf, 300));

        // At the layout's own resolution every module is whole pixels; sample each module's centre.
        var b = plan.Barcode!;
        var expected = DataMatrixEncoder.Encode(content.Indicium);
        var modules = new bool[expected.Rows, expected.Columns];
        for (int r = 0; r < expected.Rows; r++)
        {
            for (int c = 0; c < expected.Columns; c++)
            {
                modules[r, c] = page[b.Left + (c * b.ModuleDots) + (b.ModuleDots / 2), b.Top + (r * b.ModuleDots) + (b.ModuleDots / 2)] < 128;
            }
        }

        ModuleGrid.AssertEqual(expected, modules);
    }

    [Theory]
    [InlineData(LabelLayout.Label4x6, 203)]
    [InlineData(LabelLayout.Envelope10, 300)]
    public void PdfToTextReadsEveryLineOfTheAddressedLabel(LabelLayout layout, int dpi)
    {
        var content = SampleLabels.Shipped;
        var request = new LabelRequest(LabelFormat.Pdf, layout, dpi);
        var pdf = Tools.TempFile($"text-{layout}-{dpi}.pdf");
        File.WriteAllBytes(pdf, TestRendering.Render(content, request).Bytes);

        var (code, stdout, stderr) = Tools.Run(Tools.Require(Tools.PdfToText), ["-layout", pdf, "-"], TimeSpan.FromSeconds(30));

        Assert.True(code == 0, $"pdftotext exit {code}: {stderr}");
        var text = Encoding.UTF8.GetString(stdout);
        var expected = LabelRenderer.Plan(content, request).Text.Select(t => t.Text).ToList();
        Assert.Contains("JANE ROE", expected);
        Assert.Contains("USPS GROUND ADVANTAGE", expected);
        foreach (var line in expected)
        {
            Assert.Contains(line, text, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"/MediaBox\s*\[\s*0\s+0\s+(?<w>[0-9.]+)\s+(?<h>[0-9.]+)\s*\]")]
    private static partial Regex MediaBox();
}
