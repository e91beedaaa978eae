using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// Every format, layout and resolution of one fixed letter and one fixed addressed label, byte for byte against Golden/. A change in any writer,
/// the layout, the fonts or a library version shows up here. Regenerate with VBI_UPDATE_GOLDEN=1 after reviewing.
/// </summary>
public class GoldenTests
{
    [Theory]
    [MemberData(nameof(RenderingTests.AllCombinations), MemberType = typeof(RenderingTests))]
    public void RenderedBytesMatchTheGoldenFile(LabelFormat format, LabelLayout layout, int dpi)
    {
        var label = TestRendering.Render(SampleLabels.Fixed, format, layout, dpi);

        Golden.AssertMatches(SampleLabels.Name(format, layout, dpi), label.Bytes);
    }

    [Theory]
    [MemberData(nameof(RenderingTests.AllCombinations), MemberType = typeof(RenderingTests))]
    public void AddressedLabelBytesMatchTheGoldenFile(LabelFormat format, LabelLayout layout, int dpi)
    {
        var label = TestRendering.Render(SampleLabels.Shipped, format, layout, dpi);

        Golden.AssertMatches(SampleLabels.ShippedName(format, layout, dpi), label.Bytes);
    }
}
