using System.Globalization;
using VbiOrleans.Labels.Barcodes;

namespace VbiOrleans.Labels.ScanForms;

/// <summary>One package on a SCAN form: its tracking number, class, weight, destination ZIP and postage in mills.</summary>
public sealed record ScanFormPackage(string TrackingNumber, string MailClass, decimal WeightOunces, string DestinationZip, long PostageMills);

/// <summary>
/// What a SCAN form (Shipment Confirmation Acceptance Notice) shows: a manifest of the packages a mailer tenders
/// at once, so the acceptance clerk scans one barcode instead of every label. The form's barcode is a GS1-128 like
/// the IMpb: AI 420 with the origin ZIP, then the form number (see <see cref="NewFormNumber"/>).
/// </summary>
/// <param name="FormNumber">20 to 34 digits ending in their USPS mod-10 check digit; <see cref="NewFormNumber"/> makes one.</param>
/// <param name="DateOfMailing">The day the packages are tendered.</param>
/// <param name="MailerName">The account's name, at most 48 printable ASCII characters.</param>
/// <param name="MailerAddress">The mailer's address lines as standardized, 1 to 5 of at most 48 printable ASCII characters.</param>
/// <param name="OriginZip">Where the packages are tendered: 5 digits or ZIP+4 (9, the hyphen allowed).</param>
/// <param name="Packages">1 to <see cref="MaxPackages"/> packages, printed in this order.</param>
public sealed record ScanFormContent(
    string FormNumber,
    DateOnly DateOfMailing,
    string MailerName,
    IReadOnlyList<string> MailerAddress,
    string OriginZip,
    IReadOnlyList<ScanFormPackage> Packages)
{
    /// <summary>The most packages one form lists (about 200 pages); a larger day is split into several forms.</summary>
    public const int MaxPackages = 10_000;

    /// <summary>The channel application identifier of form numbers: 94, as the IMpb channel for PC Postage.</summary>
    public const string FormChannel = "94";

    /// <summary>
    /// The service type code of form numbers: 990. Not a USPS-assigned code; this system's own, so a form number
    /// can never equal a label's tracking number (whose service type codes are a class's).
    /// </summary>
    public const string FormServiceType = "990";

    /// <summary>
    /// A 22-digit form number: <see cref="FormChannel"/>, <see cref="FormServiceType"/>, the mailer id (6 or 9
    /// digits), the serial zero-padded to fill (10 or 7 digits), and the USPS mod-10 check digit.
    /// </summary>
    public static string NewFormNumber(string mailerId, long serial)
    {
        ArgumentNullException.ThrowIfNull(mailerId);
        if (mailerId.Length is not (6 or 9) || !mailerId.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("A mailer id is 6 or 9 digits.", nameof(mailerId));
        }

        int serialDigits = 22 - FormChannel.Length - FormServiceType.Length - mailerId.Length - 1;
        var serialText = serial.ToString(CultureInfo.InvariantCulture);
        if (serial < 0 || serialText.Length > serialDigits)
        {
            throw new ArgumentOutOfRangeException(nameof(serial), serial, $"the serial must be 0 to {serialDigits} digits with this mailer id");
        }

        var digits = FormChannel + FormServiceType + mailerId + serialText.PadLeft(serialDigits, '0');
        return digits + Impb.CheckDigit(digits).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The problem with this content in one sentence, or null when it can be rendered.</summary>
    public string? Validate()
    {
        if (!IsDigits(FormNumber, 20, 34) || Impb.CheckDigit(FormNumber[..^1]) != FormNumber[^1] - '0')
        {
            return "the form number must be 20 to 34 digits ending in its mod-10 check digit";
        }

        if (!IsPrintable(MailerName, LabelShipment.MaxAddressLineLength))
        {
            return $"the mailer name must be 1 to {LabelShipment.MaxAddressLineLength} printable ASCII characters";
        }

        if (MailerAddress is null || MailerAddress.Count is 0 or > LabelShipment.MaxAddressLines || !MailerAddress.All(l => IsPrintable(l, LabelShipment.MaxAddressLineLength)))
        {
            return $"the mailer address must be 1 to {LabelShipment.MaxAddressLines} lines of 1 to {LabelShipment.MaxAddressLineLength} printable ASCII characters";
        }

        if (ZipDigits(OriginZip) is null)
        {
            return $"the origin ZIP '{OriginZip}' is not 5 digits or ZIP+4 (9 digits, with or without the hyphen)";
        }

        if (Packages is null || Packages.Count is 0 or > MaxPackages)
        {
            return $"a SCAN form lists 1 to {MaxPackages} packages";
        }

        for (int i = 0; i < Packages.Count; i++)
        {
            if (PackageProblem(Packages[i]) is { } problem)
            {
                return $"package {i + 1}: {problem}";
            }
        }

        return null;
    }

    /// <summary>The total postage in mills (checked: the sum of at most 10,000 amounts fits a long unless one is absurd).</summary>
    public long TotalPostageMills() => checked(Packages.Sum(p => p.PostageMills));

    internal static string? ZipDigits(string? zip)
    {
        if (zip is null)
        {
            return null;
        }

        var digits = zip.Length == 10 && zip[5] == '-' ? zip.Remove(5, 1) : zip;
        return digits.Length is 5 or 9 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    private static string? PackageProblem(ScanFormPackage? package)
    {
        if (package is null)
        {
            return "it is missing";
        }

        if (!IsDigits(package.TrackingNumber, LabelShipment.MinTrackingDigits, LabelShipment.MaxTrackingDigits))
        {
            return $"the tracking number must be {LabelShipment.MinTrackingDigits} to {LabelShipment.MaxTrackingDigits} digits";
        }

        if (!IsPrintable(package.MailClass, LabelContent.MaxTextLength))
        {
            return $"the mail class must be 1 to {LabelContent.MaxTextLength} printable ASCII characters";
        }

        if (package.WeightOunces <= 0 || package.WeightOunces > LabelShipment.MaxWeightOunces)
        {
            return $"the weight {package.WeightOunces} oz is not above 0 and at most {LabelShipment.MaxWeightOunces} oz";
        }

        if (ZipDigits(package.DestinationZip) is null)
        {
            return $"the destination ZIP '{package.DestinationZip}' is not 5 digits or ZIP+4";
        }

        // A bound well above any package's postage keeps the total far from overflow.
        if (package.PostageMills is < 0 or > 100_000_000)
        {
            return $"the postage {package.PostageMills} mills is not 0 to 100,000,000 (100,000 dollars)";
        }

        return null;
    }

    private static bool IsDigits(string? text, int min, int max) =>
        text is not null && text.Length >= min && text.Length <= max && text.All(char.IsAsciiDigit);

    private static bool IsPrintable(string? text, int maxLength) =>
        !string.IsNullOrWhiteSpace(text) && text.Length <= maxLength && text.All(c => c is >= ' ' and <= '~');
}
