namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>
/// The USPS mod-10 check digit, written for the tests from the public description and independently of the
/// production code: weights 3, 1, 3, ... from the rightmost digit of the number without its check digit.
/// </summary>
internal static class UspsMod10
{
    public static int CheckDigit(string digitsWithoutCheck)
    {
        int tripled = 0, single = 0;
        int position = 1; // 1 = rightmost
        for (int i = digitsWithoutCheck.Length - 1; i >= 0; i--, position++)
        {
            int digit = digitsWithoutCheck[i] - '0';
            Assert.InRange(digit, 0, 9);
            if (position % 2 == 1)
            {
                tripled += digit;
            }
            else
            {
                single += digit;
            }
        }

        int sum = (3 * tripled) + single;
        return sum % 10 == 0 ? 0 : 10 - (sum % 10);
    }

    public static bool IsValid(string number) =>
        number.Length >= 2 && number.All(char.IsAsciiDigit) && CheckDigit(number[..^1]) == number[^1] - '0';
}
