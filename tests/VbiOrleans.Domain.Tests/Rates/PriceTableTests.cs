using VbiOrleans.Domain.Rates;

namespace VbiOrleans.Domain.Tests.Rates;

public sealed class PriceTableTests
{
    private const string Minimal = """
        table t-1
        effective 2026-01-01
        source test
        dim-divisor 166
        dim-threshold-cubic-inches 1728

        prices MEDIA parcel unzoned
        16 4000
        32 4700

        insurance 50000 2000
        insurance-each 100000 1000 5000000
        """;

    [Fact]
    public void A_table_file_reads_into_its_steps()
    {
        var table = PriceTable.Parse(Minimal);
        Assert.Equal(("t-1", new DateOnly(2026, 1, 1), 166), (table.Id, table.Effective, table.DimDivisor));
        var media = table.PricesFor(MailClass.Media, Shape.Parcel)!;
        Assert.Equal([160, 320], media.Steps.Select(s => s.UpToTenthsOz));
        Assert.Equal(4700, media.StepFor(161)!.Mills[0]);
        Assert.Null(media.StepFor(321));
    }

    [Theory]
    [InlineData("16 4000\n32 4700", "32 4700\n16 4000")] // steps out of order
    [InlineData("32 4700", "32 0")] // a price of nothing
    [InlineData("32 4700", "32 4700 4800")] // an unzoned class with zone columns
    [InlineData("32 4700", "32.25 4700")] // a weight with two decimals
    [InlineData("prices MEDIA parcel unzoned", "prices BOOKS parcel unzoned")] // not a class
    [InlineData("dim-divisor 166", "")] // a header missing
    [InlineData("table t-1", "table")] // a header without its value
    [InlineData("prices MEDIA parcel unzoned", "prices MEDIA box unzoned")] // not a shape
    public void A_table_that_does_not_read_is_refused_whole(string find, string replace) =>
        Assert.Throws<InvalidDataException>(() => PriceTable.Parse(Minimal.Replace(find, replace, StringComparison.Ordinal)));

    [Fact]
    public void Two_tables_on_one_date_are_refused()
    {
        var a = PriceTable.Parse(Minimal);
        var b = PriceTable.Parse(Minimal.Replace("table t-1", "table t-2", StringComparison.Ordinal));
        Assert.Throws<InvalidDataException>(() => new PriceTables([a, b]));
        var c = PriceTable.Parse(Minimal.Replace("table t-1", "table t-3", StringComparison.Ordinal).Replace("2026-01-01", "2026-06-01", StringComparison.Ordinal));
        var tables = new PriceTables([c, a]);
        Assert.Equal("t-1", tables.InEffect(new DateOnly(2026, 5, 31)).Value.Id);
        Assert.Equal("t-3", tables.InEffect(new DateOnly(2026, 6, 1)).Value.Id);
    }
}
