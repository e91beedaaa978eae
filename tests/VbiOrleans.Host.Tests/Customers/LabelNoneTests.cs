using VbiOrleans.Client;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// A signed print that asks for label format "none" is answered with the indicium alone (the benchmark's
/// <c>--label none</c>, and clients that lay out their own label): charged once like any print, the label
/// downloadable afterwards from its endpoint; a retry with the same key is the same print.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class LabelNoneTests(CustomerHostFixture host)
{
    [Fact]
    public async Task A_print_without_a_label_is_the_indicium_alone_and_its_label_can_be_fetched_later()
    {
        using var c = await host.NewCustomerAsync(fundMills: 10_000);
        var order = new PrintOrder(630, "94103", "FIRST-CLASS");

        var bare = await c.Session.PrintAsync(order, new LabelOptions("none"), "none-1");
        Assert.Null(bare.Label);
        Assert.NotNull(bare.IndiciumId);
        Assert.NotEmpty(bare.IndiciumBytes()!);
        Assert.Equal((630, 10_000 - 630), (c.Session.AscendingMills, c.Session.DescendingMills));

        var again = await c.Session.PrintAsync(order, new LabelOptions("none"), "none-1");
        Assert.Equal(bare.IndiciumId, again.IndiciumId);
        Assert.Equal(630, c.Session.AscendingMills);

        var later = await c.Client.GetLabelAsync(c.MeterId, bare.IndiciumId!, new LabelOptions("zpl"));
        Assert.Equal("zpl", later.Format);
        Assert.NotEmpty(later.Bytes());

        var withLabel = await c.Session.PrintAsync(order, new LabelOptions("pdf"), "none-2");
        Assert.Equal("pdf", withLabel.Label!.Format);
        Assert.Equal(1260, c.Session.AscendingMills);
    }
}
