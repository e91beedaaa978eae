using System.Buffers.Binary;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>Every format x layout x dpi renders, with the right type, size and resolution.</summary>
public class RenderingTests
{
    public static TheoryData<LabelFormat, LabelLayout, int> AllCombinations()
    {
        var data = new TheoryData<LabelFormat, LabelLayout, int>();
        foreach (var (format, layout, dpi) in SampleLabels.AllCombinations())
        {
            data.Add(format, layout, dpi);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void EveryCombinationRendersWithItsContentType(LabelFormat format, LabelLayout layout, int dpi)
    {
        var label = TestRendering.Render(SampleLabels.Fixed, format, layout, dpi);

        Assert.NotEmpty(label.Bytes);
        var (contentType, extension, magic) = format switch
        {
            LabelFormat.Png => ("image/png", "png", "\x89PNG"),
            LabelFormat.Pdf => ("application/pdf", "pdf", "%PDF-"),
            LabelFormat.Svg => ("image/svg+xml", "svg", "<?xml"),
            LabelFormat.Zpl => ("application/x-zpl", "zpl", "^XA"),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        Assert.Equal(contentType, label.ContentType);
        Assert.Equal(extension, label.FileExtension);
        Assert.Equal(magic, System.Text.Encoding.Latin1.GetString(label.Bytes, 0, magic.Length));
    }

    [Theory]
    [InlineData(LabelLayout.Label4x6, 203, 812, 1218)]
    [InlineData(LabelLayout.Label4x6, 300, 1200, 1800)]
    [InlineData(LabelLayout.Envelope10, 203, 1929, 838)]
    [InlineData(LabelLayout.Envelope10, 300, 2850, 1238)]
    public void PngIsThePageAtThePrinterResolution(LabelLayout layout, int dpi, int width, int height)
    {
        var png = TestRendering.Render(SampleLabels.Fixed, LabelFormat.Png, layout, dpi).Bytes;

        var raster = Raster.FromPng(png);
        Assert.Equal((width, height), (raster.Width, raster.Height));
        Assert.Equal(255, raster[0, 0]);
        Assert.Equal(255, raster[width - 1, height - 1]);

        // pHYs right after IHDR: pixels per metre on both axes, unit 1 (metre).
        Assert.Equal("pHYs", System.Text.Encoding.ASCII.GetString(png, 37, 4));
        uint perMetre = (uint)Math.Round(dpi / 0.0254);
        Assert.Equal(perMetre, BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(41)));
        Assert.Equal(perMetre, BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(45)));
        Assert.Equal(1, png[49]);
    }

    [Theory]
    [InlineData(203, 4)]
    [InlineData(300, 6)]
    [InlineData(600, 12)]
    public void ModulesAreWholeDotsAndTheSymbolIsAboutAnInch(int dpi, int moduleDots)
    {
        // 130 to 170 bytes: 40x40 to 48x48 modules.
        foreach (var length in new[] { 130, 150, 170 })
        {
            var content = SampleLabels.WithIndicium(SampleLabels.Bytes(length, length));
            var plan = LabelRenderer.Plan(content, new LabelRequest(LabelFormat.Png, LabelLayout.Label4x6, dpi));

            Assert.Equal(moduleDots, plan.Barcode!.ModuleDots);
            double inches = plan.Barcode!.Width / (double)dpi;
            Assert.InRange(inches, 0.75, 1.0);
        }
    }

    [Fact]
    public void TheBarcodeHasOnlyBlackAndWhitePixels()
    {
        var content = SampleLabels.Fixed;
        var request = new LabelRequest(LabelFormat.Png, LabelLayout.Label4x6, 203);
        var plan = LabelRenderer.Plan(content, request);
        var raster = Raster.FromPng(TestRendering.Render(content, request).Bytes);
        var b = plan.Barcode!;

        for (int y = b.Top; y < b.Top + b.Height; y++)
        {
            for (int x = b.Left; x < b.Left + b.Width; x++)
            {
                bool dark = b.Symbol[(y - b.Top) / b.ModuleDots, (x - b.Left) / b.ModuleDots];
                Assert.True(raster[x, y] == (dark ? 0 : 255), $"pixel ({x}, {y}) is {raster[x, y]}, the module is {(dark ? "dark" : "light")}");
            }
        }
    }

    [Fact]
    public void RenderingIsDeterministicAcrossThreads()
    {
        var first = SampleLabels.AllCombinations().Select(c => TestRendering.Render(SampleLabels.Fixed, c.Format, c.Layout, c.Dpi).Bytes).ToList();
        var again = SampleLabels.AllCombinations().AsParallel().AsOrdered()
            .Select(c => TestRendering.Render(SampleLabels.Fixed, c.Format, c.Layout, c.Dpi).Bytes).ToList();

        for (int i = 0; i < first.Count; i++)
        {
            Assert.True(first[i].AsSpan().SequenceEqual(again[i]), $"combination {i} rendered different bytes the second time");
        }
    }
}
