using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Domain.Tests.Meters;

public sealed class MeterIdTests
{
    [Theory]
    [InlineData("m-abcdefgh")]
    [InlineData("m-0123456789-abcdefghijklmnopqrstuvwxyz012")] // 40 after the prefix
    [InlineData("m-8f14e45fceea167a5a36dedd4bea2543")]
    public void Ids_of_m_dash_and_8_to_40_lower_case_letters_digits_or_dashes_parse(string text)
    {
        Assert.True(MeterId.TryParse(text, out var id));
        Assert.Equal(text, id.Value.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("m-abcdefg")] // 7 after the prefix
    [InlineData("m-0123456789-abcdefghijklmnopqrstuvwxyz0123")] // 41 after the prefix
    [InlineData("x-abcdefgh")]
    [InlineData("M-abcdefgh")]
    [InlineData("m-abcdEfgh")]
    [InlineData("m-abcd_efgh")]
    [InlineData("m-abcd efgh")]
    [InlineData("m-abcdéfgh")]
    [InlineData("m-abcdefg\u0000")]
    public void Anything_else_does_not(string? text)
    {
        Assert.False(MeterId.TryParse(text, out _));
        if (text is not null) Assert.Throws<FormatException>(() => MeterId.Parse(text));
    }
}
