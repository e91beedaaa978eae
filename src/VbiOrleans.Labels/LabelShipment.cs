namespace VbiOrleans.Labels;

/// <summary>
/// The shipment an addressed label prints: the sender's and the recipient's standardized addresses, the mail class
/// banner, the weight, and the Intelligent Mail package barcode's data (the tracking number and the routing ZIP).
/// The host fills it from the print's shipment; this library only checks it is printable.
/// </summary>
/// <param name="From">The sender's address lines, as standardized (Publication 28: upper case, no punctuation); 1 to 5 lines of at most 48 printable ASCII characters.</param>
/// <param name="To">The recipient's address lines, same rules.</param>
/// <param name="ServiceBanner">The class banner across the label, e.g. "USPS GROUND ADVANTAGE"; printed in capitals, at most 40 printable ASCII characters.</param>
/// <param name="WeightOunces">The declared weight in ounces, above zero; printed as "WT 2 LB 3.5 OZ".</param>
/// <param name="TrackingNumber">The IMpb tracking number, digits only (20 to 34; 22 in the common form: channel application identifier, service type code, mailer id, serial, mod-10 check digit). Printed grouped in fours.</param>
/// <param name="RoutingZip">The destination ZIP the barcode routes to: 5 digits or ZIP+4 as 9 (the hyphen is accepted and dropped).</param>
public sealed record LabelShipment(
    IReadOnlyList<string> From,
    IReadOnlyList<string> To,
    string ServiceBanner,
    decimal WeightOunces,
    string TrackingNumber,
    string RoutingZip)
{
    public const int MaxAddressLines = 5;
    public const int MaxAddressLineLength = 48;
    public const int MaxBannerLength = 40;
    public const int MinTrackingDigits = 20;
    public const int MaxTrackingDigits = 34;

    /// <summary>The heaviest piece a label is printed for: 70 lb, the USPS limit for every class.</summary>
    public const decimal MaxWeightOunces = 70 * 16;

    /// <summary>The problem with this shipment in one sentence, or null when it can be printed.</summary>
    public string? Validate()
    {
        if (AddressProblem("sender", From) is { } from)
        {
            return from;
        }

        if (AddressProblem("recipient", To) is { } to)
        {
            return to;
        }

        if (string.IsNullOrWhiteSpace(ServiceBanner) || ServiceBanner.Length > MaxBannerLength || !ServiceBanner.All(IsPrintable))
        {
            return $"the service banner must be 1 to {MaxBannerLength} printable ASCII characters";
        }

        if (WeightOunces <= 0 || WeightOunces > MaxWeightOunces)
        {
            return $"the weight {WeightOunces} oz is not above 0 and at most {MaxWeightOunces} oz (70 lb)";
        }

        if (TrackingNumber is null || TrackingNumber.Length is < MinTrackingDigits or > MaxTrackingDigits || !TrackingNumber.All(char.IsAsciiDigit))
        {
            return $"the tracking number must be {MinTrackingDigits} to {MaxTrackingDigits} digits";
        }

        if (RoutingDigits() is null)
        {
            return $"the routing ZIP '{RoutingZip}' is not 5 digits or ZIP+4 (9 digits, with or without the hyphen)";
        }

        return null;
    }

    /// <summary>The routing ZIP as 5 or 9 digits (hyphen removed), or null when it is neither.</summary>
    internal string? RoutingDigits()
    {
        if (RoutingZip is null)
        {
            return null;
        }

        var digits = RoutingZip.Length == 10 && RoutingZip[5] == '-' ? RoutingZip.Remove(5, 1) : RoutingZip;
        return digits.Length is 5 or 9 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    private static string? AddressProblem(string whose, IReadOnlyList<string>? lines)
    {
        if (lines is null || lines.Count is 0 or > MaxAddressLines)
        {
            return $"the {whose} address must have 1 to {MaxAddressLines} lines";
        }

        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line) || line.Length > MaxAddressLineLength || !line.All(IsPrintable))
            {
                return $"every {whose} address line must be 1 to {MaxAddressLineLength} printable ASCII characters";
            }
        }

        return null;
    }

    private static bool IsPrintable(char c) => c is >= ' ' and <= '~';
}
