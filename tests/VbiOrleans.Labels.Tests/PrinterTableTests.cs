using System.Text;
using System.Text.Json;
using VbiOrleans.Labels.Printers;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

public class PrinterTableTests
{
    [Fact]
    public void TheEmbeddedTableLoadsWithUniqueIdsAndValidProfiles()
    {
        var table = PrinterTable.Load();

        Assert.True(table.Count >= 6);
        Assert.Equal(table.Count, table.Select(p => p.Id.ToLowerInvariant()).Distinct().Count());
        Assert.All(table, p => Assert.Null(p.Validate()));
        Assert.Same(table, PrinterTable.Load());
    }

    [Theory]
    [InlineData("generic-laser-300", 300, "pdf,png,svg", "envelope-10,label-4x6")]
    [InlineData("generic-inkjet-300", 300, "pdf,png,svg", "envelope-10,label-4x6")]
    [InlineData("zebra-zd420-203", 203, "zpl,png", "label-4x6")]
    [InlineData("zebra-zt411-300", 300, "zpl", "label-4x6")]
    [InlineData("dymo-labelwriter-4xl-300", 300, "png,pdf", "label-4x6")]
    [InlineData("rollo-203", 203, "png,pdf", "label-4x6")]
    public void TheTableListsTheSupportedPrinters(string id, int dpi, string formats, string layouts)
    {
        var printer = PrinterTable.Load().Find(id);

        Assert.NotNull(printer);
        Assert.Equal(dpi, printer.Dpi);
        Assert.Equal(formats, string.Join(',', printer.Formats.Select(JsonName)));
        Assert.Equal(layouts, string.Join(',', printer.Layouts.Select(JsonName)));
        Assert.Same(printer, PrinterTable.Load().Find(id.ToUpperInvariant()));
    }

    [Fact]
    public void AnUnknownIdIsNotFound() => Assert.Null(PrinterTable.Load().Find("no-such-printer"));

    [Fact]
    public void AZebraRefusesPdfWithAStableCode()
    {
        var zebra = PrinterTable.Load().Find("zebra-zd420-203")!;

        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(SampleLabels.Fixed, LabelRequest.For(zebra, LabelFormat.Pdf, LabelLayout.Label4x6)));

        Assert.Equal(LabelError.UnsupportedLabelFormat, refused.Code);
        Assert.Equal("UnsupportedLabelFormat", refused.Code.ToString());
        Assert.StartsWith("UnsupportedLabelFormat: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AZebraRefusesAnEnvelope()
    {
        var zebra = PrinterTable.Load().Find("zebra-zd420-203")!;

        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(SampleLabels.Fixed, LabelRequest.For(zebra, LabelFormat.Zpl, LabelLayout.Envelope10)));

        Assert.Equal(LabelError.UnsupportedLabelLayout, refused.Code);
    }

    [Fact]
    public void ARequestAtAnotherResolutionThanThePrintersIsRefused()
    {
        var zebra = PrinterTable.Load().Find("zebra-zd420-203")!;

        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(SampleLabels.Fixed, new LabelRequest(LabelFormat.Zpl, LabelLayout.Label4x6, 300) { Printer = zebra }));

        Assert.Equal(LabelError.InvalidPrinterProfile, refused.Code);
    }

    [Fact]
    public void EveryPrinterRendersEveryFormatAndLayoutItLists()
    {
        foreach (var printer in PrinterTable.Load())
        {
            foreach (var format in printer.Formats)
            {
                foreach (var layout in printer.Layouts)
                {
                    var label = TestRendering.Render(SampleLabels.Fixed, LabelRequest.For(printer, format, layout));
                    Assert.NotEmpty(label.Bytes);
                }
            }
        }
    }

    [Fact]
    public void TheOffsetShiftsTheRasterToo()
    {
        var dymo = PrinterTable.Load().Find("dymo-labelwriter-4xl-300")!;
        var plain = Raster.FromPng(TestRendering.Render(SampleLabels.Fixed, LabelRequest.For(dymo, LabelFormat.Png, LabelLayout.Label4x6)).Bytes);

        var shifted = Raster.FromPng(TestRendering.Render(SampleLabels.Fixed, LabelRequest.For(dymo with { OffsetXDots = 7, OffsetYDots = -5 }, LabelFormat.Png, LabelLayout.Label4x6)).Bytes);

        for (int y = 5; y < plain.Height; y += 3)
        {
            for (int x = 0; x < plain.Width - 7; x += 3)
            {
                Assert.Equal(plain[x, y], shifted[x + 7, y - 5]);
            }
        }
    }

    [Fact]
    public void TheTableSerializesWithSystemTextJsonAndReadsBack()
    {
        var table = PrinterTable.Load();

        var json = JsonSerializer.Serialize(table.ToList(), PrinterTable.JsonOptions);
        var again = PrinterTable.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("\"formats\":[\"zpl\",\"png\"]", json, StringComparison.Ordinal);
        Assert.Contains("\"layouts\":[\"label-4x6\"]", json, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.Serialize(again.ToList(), PrinterTable.JsonOptions), json);
    }

    [Theory]
    [InlineData("""[{"id":"a","name":"A","dpi":203,"offsetXDots":0,"offsetYDots":0,"formats":["png"],"layouts":["label-4x6"],"media":"m"},{"id":"A","name":"B","dpi":300,"offsetXDots":0,"offsetYDots":0,"formats":["png"],"layouts":["label-4x6"],"media":"m"}]""")]
    [InlineData("""[{"id":"a","name":"A","dpi":203,"offsetXDots":0,"offsetYDots":0,"formats":["gif"],"layouts":["label-4x6"],"media":"m"}]""")]
    [InlineData("""[{"id":"a","name":"A","dpi":20,"offsetXDots":0,"offsetYDots":0,"formats":["png"],"layouts":["label-4x6"],"media":"m"}]""")]
    [InlineData("""[{"id":"a","name":"A","dpi":203,"offsetXDots":400,"offsetYDots":0,"formats":["png"],"layouts":["label-4x6"],"media":"m"}]""")]
    [InlineData("""[{"id":"a","name":"A","dpi":203,"formats":["png"],"layouts":["label-4x6"],"media":"m"}]""")]
    [InlineData("""[]""")]
    public void AMalformedTableIsRefused(string json)
    {
        Assert.Throws<InvalidDataException>(() => PrinterTable.Load(new MemoryStream(Encoding.UTF8.GetBytes(json))));
    }

    private static string JsonName<T>(T value) => JsonSerializer.Serialize(value).Trim('"');
}
