using System.Text;

namespace VbiOrleans.Labels.Barcodes;

/// <summary>
/// The Intelligent Mail package barcode's data as publicly described (USPS Publication 199): a GS1-128 symbol whose
/// first element string is AI 420 with the destination ZIP (5 or 9 digits), then, after FNC1, the tracking number,
/// which begins with its own channel application identifier (92, 93, 94, ...) and so reads as the next element string.
/// </summary>
internal static class Impb
{
    public const string RoutingAi = "420";

    public static IReadOnlyList<string> ElementStrings(string routingZipDigits, string trackingNumber) =>
        [RoutingAi + routingZipDigits, trackingNumber];

    /// <summary>"USPS TRACKING # 9200 1901 2345 6789 0123 45": the digits in groups of four, as carriers print them.</summary>
    public static string HumanReadable(string trackingNumber) => "USPS TRACKING # " + Grouped(trackingNumber);

    public static string Grouped(string digits)
    {
        var text = new StringBuilder(digits.Length + (digits.Length / 4));
        for (int i = 0; i < digits.Length; i++)
        {
            if (i > 0 && i % 4 == 0)
            {
                text.Append(' ');
            }

            text.Append(digits[i]);
        }

        return text.ToString();
    }

    /// <summary>
    /// The USPS mod-10 check digit of <paramref name="digits"/> (the number without its check digit): from the
    /// rightmost digit, digits in odd positions count three times; the check brings the sum to a multiple of 10.
    /// </summary>
    public static int CheckDigit(string digits)
    {
        int sum = 0;
        for (int i = 0; i < digits.Length; i++)
        {
            int digit = digits[digits.Length - 1 - i] - '0';
            sum += i % 2 == 0 ? 3 * digit : digit;
        }

        return (10 - (sum % 10)) % 10;
    }
}
