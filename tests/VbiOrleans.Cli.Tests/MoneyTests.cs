using VbiOrleans.Client;

namespace VbiOrleans.Cli.Tests;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(0L, "$0.000")]
    [InlineData(1L, "$0.001")]
    [InlineData(10L, "$0.010")]
    [InlineData(999L, "$0.999")]
    [InlineData(1000L, "$1.000")]
    [InlineData(1234L, "$1.234")]
    [InlineData(123456789L, "$123456.789")]
    [InlineData(-1L, "-$0.001")]
    [InlineData(-5L, "-$0.005")]
    [InlineData(-1234L, "-$1.234")]
    [InlineData(long.MaxValue, "$9223372036854775.807")]
    [InlineData(long.MinValue, "-$9223372036854775.808")]
    public void ToDollars_formats_mills_exactly(long mills, string expected) =>
        Assert.Equal(expected, mills.ToDollars());

    [Fact]
    public void A_row_without_a_transaction_has_no_dollar_value()
    {
        var row = new ModuleRow("CM-1", "", ModuleStates.Active, DateTimeOffset.UnixEpoch, null, null, null, null, null, 0);

        Assert.Null(row.ToDollars());
        Assert.Equal("-$0.250", (row with { LastTransactionValueMills = -250 }).ToDollars());
    }
}
