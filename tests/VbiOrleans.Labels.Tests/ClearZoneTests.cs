using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// The clear zone: nothing is printed in the half inch to the left of the indicium block and the half inch below
/// it. Checked on the PNG's pixels, for ordinary and for extreme content, letters and addressed labels.
/// </summary>
public class ClearZoneTests
{
    public static TheoryData<string, LabelLayout, int> Cases()
    {
        var data = new TheoryData<string, LabelLayout, int>();
        foreach (var name in Contents.Keys)
        {
            foreach (var layout in Enum.GetValues<LabelLayout>())
            {
                foreach (var dpi in SampleLabels.Dpis)
                {
                    data.Add(name, layout, dpi);
                }
            }
        }

        return data;
    }

    private static readonly Dictionary<string, LabelContent> Contents = new()
    {
        ["fixed"] = SampleLabels.Fixed,
        ["longest text"] = SampleLabels.Fixed with
        {
            Indicium = SampleLabels.Bytes(7, 200),
            PostageMills = long.MaxValue,
            MailClass = new string('W', LabelContent.MaxTextLength),
            DeviceId = new string('M', LabelContent.MaxTextLength),
            ItemKind = "GiftCertificate",
            IndiciumId = new string('W', LabelContent.MaxIndiciumIdLength),
        },
        ["small symbol, text taller than it"] = SampleLabels.Fixed with { Indicium = [1, 2, 3] },
        ["addressed"] = SampleLabels.Shipped,
        ["addressed, five long address lines and a small symbol"] = SampleLabels.Shipped with
        {
            Indicium = [1, 2, 3],
            Shipment = SampleLabels.Shipment with
            {
                From = Enumerable.Range(0, LabelShipment.MaxAddressLines).Select(i => new string((char)('A' + i), LabelShipment.MaxAddressLineLength)).ToList(),
                To = Enumerable.Range(0, LabelShipment.MaxAddressLines).Select(i => new string((char)('M' + i), LabelShipment.MaxAddressLineLength)).ToList(),
            },
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void NothingIsPrintedInTheHalfInchLeftOfAndBelowTheIndicium(string content, LabelLayout layout, int dpi)
    {
        var request = new LabelRequest(LabelFormat.Png, layout, dpi);
        var plan = LabelRenderer.Plan(Contents[content], request);
        var raster = Raster.FromPng(TestRendering.Render(Contents[content], request).Bytes);
        var block = plan.IndiciumBlock;
        int halfInch = (int)Math.Round(0.5 * dpi);

        // The indicium block is at the right edge, its symbol across the page's middle row (where zxing-cpp looks).
        Assert.True(block.Right <= raster.Width && block.Right >= raster.Width - (dpi / 2), $"the block {block} is not at the right of a {raster.Width}-dot page");
        int middle = raster.Height / 2;
        Assert.True(plan.Barcode.Top < middle && plan.Barcode.Top + plan.Barcode.Height > middle, $"the symbol ({plan.Barcode.Top} to {plan.Barcode.Top + plan.Barcode.Height}) does not cross the middle row {middle}");

        var left = raster.InkIn(block.Left - halfInch, block.Top, block.Left, block.Bottom + halfInch);
        Assert.True(left.Count == 0, $"ink in the clear zone left of the block {block}: {string.Join(", ", left)}");
        var below = raster.InkIn(block.Left - halfInch, block.Bottom, raster.Width, block.Bottom + halfInch);
        Assert.True(below.Count == 0, $"ink in the clear zone below the block {block}: {string.Join(", ", below)}");

        // And nothing is printed right of the block, beside it or its clear zone.
        var right = raster.InkIn(block.Right, block.Top, raster.Width, block.Bottom + halfInch);
        Assert.True(right.Count == 0, $"ink right of the block {block}: {string.Join(", ", right)}");
        Assert.NotEmpty(raster.InkIn(block.Left, block.Top, block.Left + 3, block.Bottom, limit: 1));
    }
}
