using CsCheck;
using VbiOrleans.Domain.Payments;

namespace VbiOrleans.Domain.Tests.Payments;

public sealed class RoutingNumberTests
{
    [Theory]
    // Published routing numbers: Federal Reserve Bank of New York, Bank of America (CA), Chase (NY), Wells Fargo (MN), a thrift prefix.
    [InlineData("021000021")]
    [InlineData("121000358")]
    [InlineData("021001088")]
    [InlineData("091000019")]
    [InlineData("011000015")]
    [InlineData("322271627")]
    public void Real_routing_numbers_are_valid(string routing) => Assert.True(RoutingNumber.IsValid(routing));

    [Theory]
    [InlineData("021000022")] // check digit off by one
    [InlineData("021000012")] // two digits swapped
    [InlineData("12100035")] // eight digits
    [InlineData("1210003580")] // ten digits
    [InlineData("12100035a")]
    [InlineData("000000000")]
    [InlineData("131000005")] // prefix 13 is not routed (its check digit is right)
    [InlineData("")]
    [InlineData(null)]
    [InlineData("０２１０００００２１")] // full-width digits are not ASCII digits
    public void Others_are_refused(string? routing) => Assert.False(RoutingNumber.IsValid(routing));

    [Fact]
    public void The_check_digit_completes_any_routable_prefix_and_every_other_digit_is_refused() =>
        Gen.Int[0, 12].Select(Gen.Int[0, 999_999]).Sample((district, rest) =>
        {
            var first = district.ToString("D2") + rest.ToString("D6");
            var check = RoutingNumber.CheckDigit(first);
            if (first + check == "000000000") return;
            Assert.True(RoutingNumber.IsValid(first + check));
            for (var d = 0; d < 10; d++)
                if (d != check) Assert.False(RoutingNumber.IsValid(first + d));
        });

    [Fact]
    public void Any_single_digit_error_is_caught() =>
        Gen.Int[0, 7].Select(Gen.Int[1, 9]).Sample((position, delta) =>
        {
            const string good = "021000021";
            var digits = good.ToCharArray();
            digits[position] = (char)('0' + (digits[position] - '0' + delta) % 10);
            Assert.False(RoutingNumber.IsValid(new string(digits)));
        });

    [Theory]
    [InlineData("1234", true)]
    [InlineData("12345678901234567", true)]
    [InlineData("123", false)]
    [InlineData("123456789012345678", false)]
    [InlineData("1234-5678", false)]
    [InlineData(null, false)]
    public void Account_numbers_are_4_to_17_digits(string? account, bool valid) => Assert.Equal(valid, BankAccountNumber.IsValid(account));

    [Theory]
    [InlineData(" Ada Lovelace ", "Ada Lovelace")]
    [InlineData("O'Brien & Sons, Inc.", "O'Brien & Sons, Inc.")]
    [InlineData("", null)]
    [InlineData("Zoë", null)]
    [InlineData("A2345678901234567890123", null)]
    public void Holder_names_fit_the_ach_field(string value, string? normalized) => Assert.Equal(normalized, AccountHolderName.Normalize(value));

    [Fact]
    public void The_authorization_text_of_each_version_is_fixed_by_its_hash()
    {
        Assert.NotNull(AchAuthorization.TextOf(AchAuthorization.CurrentVersion));
        Assert.Null(AchAuthorization.TextOf("1999-01"));
        Assert.Equal(32, AchAuthorization.Sha256Of(AchAuthorization.CurrentVersion).Length);
    }
}
