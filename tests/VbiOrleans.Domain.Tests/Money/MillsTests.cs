using CsCheck;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Tests.Money;

public sealed class MillsTests
{
    [Theory]
    [InlineData(0, "$0.000", "$0.00")]
    [InlineData(1, "$0.001", "$0.00")]
    [InlineData(5, "$0.005", "$0.01")]
    [InlineData(330, "$0.330", "$0.33")]
    [InlineData(1234, "$1.234", "$1.23")]
    [InlineData(1235, "$1.235", "$1.24")]
    [InlineData(-1235, "-$1.235", "-$1.24")]
    [InlineData(7550, "$7.550", "$7.55")]
    public void Formats_dollars_exactly(long mills, string dollars, string cents)
    {
        Assert.Equal(dollars, new Mills(mills).ToDollars());
        Assert.Equal(cents, new Mills(mills).ToDollarsAndCents());
    }

    [Theory]
    [InlineData("12", 12000)]
    [InlineData("0.5", 500)]
    [InlineData("$3.10", 3100)]
    [InlineData("1.234", 1234)]
    [InlineData("-0.001", -1)]
    public void Parses_dollar_text(string text, long expected)
    {
        Assert.True(Mills.TryParseDollars(text, out var amount));
        Assert.Equal(expected, amount.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2345")]
    [InlineData("1e3")]
    [InlineData("1,000")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("$")]
    [InlineData("abc")]
    [InlineData("1 000")]
    [InlineData("9999999999999999")]
    public void Refuses_anything_but_plain_dollars(string text) =>
        Assert.False(Mills.TryParseDollars(text, out _));

    [Fact]
    public void Formatting_then_parsing_gives_the_same_amount() =>
        Gen.Long[-1_000_000_000_000L, 1_000_000_000_000L].Sample(v =>
        {
            Assert.True(Mills.TryParseDollars(new Mills(v).ToDollars(), out var back));
            Assert.Equal(v, back.Value);
        });

    [Fact]
    public void Overflow_is_an_error_not_a_wrap() =>
        Assert.Throws<OverflowException>(() => new Mills(long.MaxValue) + new Mills(1));
}
