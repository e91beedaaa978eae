using VbiOrleans.Domain.Rates;
using VbiOrleans.Domain.Shipping;

namespace VbiOrleans.Domain.Tests.Shipping;

public sealed class TrackingNumberTests
{
    [Fact]
    public void A_priority_print_with_a_6_digit_mailer_id_is_channel_94_its_code_the_mailer_the_meter_and_sequence_and_the_check_digit()
    {
        var number = TrackingNumber.For(MailClass.Priority, signature: false, "900000", "000123", 42).Value;
        // 94 | 055 | 900000 | 00123 | 00042 | check: weights 3,1,3,... from the right sum to 80, so the check digit is 0.
        Assert.Equal("9405590000000123000420", number.Digits);
        Assert.Equal(0, number.CheckDigit);
        Assert.Equal("9405 5900 0000 0123 0004 20", number.Grouped);
    }

    [Fact]
    public void A_9_digit_mailer_id_leaves_3_digits_of_meter_number_and_4_of_sequence()
    {
        var number = TrackingNumber.For(MailClass.FirstClass, signature: true, "123456789", "5123", 10007).Value;
        Assert.Equal("9402112345678912300074", number.Digits);
    }

    [Theory]
    [InlineData("940559000000012300042", 0)]
    [InlineData("940211234567891230007", 4)]
    [InlineData("1", 7)]
    [InlineData("01", 7)]
    [InlineData("10", 9)]
    public void The_check_digit_weights_3_and_1_from_the_right(string digits, int expected) =>
        Assert.Equal(expected, TrackingNumber.CheckDigitOf(digits));

    [Fact]
    public void Every_digit_error_is_caught_by_the_check_digit()
    {
        var digits = TrackingNumber.For(MailClass.Media, false, "900000", "77", 9).Value.Digits;
        Assert.True(TrackingNumber.TryParse(digits, out _));
        for (var i = 2; i < digits.Length; i++)
        {
            var wrong = digits[..i] + (char)('0' + (digits[i] - '0' + 1) % 10) + digits[(i + 1)..];
            Assert.False(TrackingNumber.TryParse(wrong, out _), $"a change at digit {i} went unnoticed");
        }
    }

    [Fact]
    public void The_same_print_gives_the_same_number_and_another_meter_or_sequence_another()
    {
        var a = TrackingNumber.For(MailClass.GroundAdvantage, false, "900000", "000001", 1).Value;
        Assert.Equal(a, TrackingNumber.For(MailClass.GroundAdvantage, false, "900000", "000001", 1).Value);
        Assert.NotEqual(a.Digits, TrackingNumber.For(MailClass.GroundAdvantage, false, "900000", "000002", 1).Value.Digits);
        Assert.NotEqual(a.Digits, TrackingNumber.For(MailClass.GroundAdvantage, false, "900000", "000001", 2).Value.Digits);
    }

    [Theory]
    [InlineData("12345", "1")]
    [InlineData("1234567", "1")]
    [InlineData("90000A", "1")]
    [InlineData("900000", "0A1B2C3D4E")]
    [InlineData("900000", "")]
    public void A_mailer_id_not_6_or_9_digits_or_a_meter_number_not_digits_is_refused(string mailerId, string meter) =>
        Assert.False(TrackingNumber.For(MailClass.Priority, false, mailerId, meter, 1).IsSuccess);

    [Fact]
    public void Every_class_has_a_3_digit_code_with_and_without_signature()
    {
        foreach (var mailClass in MailClasses.All)
        {
            Assert.Matches("^[0-9]{3}$", ServiceTypeCodes.For(mailClass, false));
            Assert.Matches("^[0-9]{3}$", ServiceTypeCodes.For(mailClass, true));
        }
    }
}
