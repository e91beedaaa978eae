using System.Globalization;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Rates;

namespace VbiOrleans.Domain.Shipping;

/// <summary>
/// An IMpb tracking number, 22 digits: the channel application identifier (94, PC postage and online), the service
/// type code, the mailer id (6 or 9 digits), the serial (10 or 7 digits) and the USPS mod-10 check digit.
/// <para>
/// The serial is the meter's number (the numeric device serial the pool gives every meter at provisioning) and the
/// transaction sequence, side by side: with a 6-digit mailer id 5 digits of each, with a 9-digit mailer id 3 digits of
/// meter number and 4 of sequence. So two prints share a tracking number only when their meters' numbers are equal
/// modulo 10^5 (10^3) and their sequences modulo 10^5 (10^4): the number is unique across the system for the first
/// 100,000 meters, and a meter's numbers repeat only after 100,000 prints (docs/shipping.md). Everything in it is in
/// the log record of the print, so the response, a replay, the history and any later reader compute the same one.
/// </para>
/// </summary>
public sealed record TrackingNumber
{
    /// <summary>PC postage and online (Publication 199; 92/93 are commercial, 95 retail).</summary>
    public const string ChannelApplicationIdentifier = "94";

    public const int Length = 22;

    private TrackingNumber(string digits) => Digits = digits;

    /// <summary>The 22 digits.</summary>
    public string Digits { get; }

    /// <summary>The last digit.</summary>
    public int CheckDigit => Digits[^1] - '0';

    /// <summary>Grouped in fours, as printed under the barcode.</summary>
    public string Grouped => string.Join(' ', Digits.Chunk(4).Select(c => new string(c)));

    public override string ToString() => Digits;

    /// <summary>True for a mailer id the tracking number takes: 6 or 9 digits.</summary>
    public static bool IsMailerId(string? mailerId) => mailerId is { Length: 6 or 9 } && mailerId.All(char.IsAsciiDigit);

    /// <summary>
    /// The tracking number of a print: its class and signature service (the service type code), the configured mailer
    /// id, the meter's number (its device serial, digits) and the print's sequence.
    /// </summary>
    public static Result<TrackingNumber> For(MailClass mailClass, bool signature, string mailerId, string meterNumber, long sequence)
    {
        if (!IsMailerId(mailerId))
            return new DomainError(ErrorCode.ValidationFailed, "a mailer id is 6 or 9 digits");
        if (string.IsNullOrEmpty(meterNumber) || meterNumber.Length > 18 || !meterNumber.All(char.IsAsciiDigit))
            return new DomainError(ErrorCode.ValidationFailed, $"the meter number '{meterNumber}' is not a number (the device serial of a numbered meter)");
        if (sequence < 0) return new DomainError(ErrorCode.ValidationFailed, "a sequence is 0 or more");
        var (meterDigits, sequenceDigits) = mailerId.Length == 6 ? (5, 5) : (3, 4);
        var meter = ulong.Parse(meterNumber, NumberStyles.None, CultureInfo.InvariantCulture) % Pow10(meterDigits);
        var serial = meter.ToString(CultureInfo.InvariantCulture).PadLeft(meterDigits, '0')
            + ((ulong)sequence % Pow10(sequenceDigits)).ToString(CultureInfo.InvariantCulture).PadLeft(sequenceDigits, '0');
        var body = ChannelApplicationIdentifier + ServiceTypeCodes.For(mailClass, signature) + mailerId + serial;
        return new TrackingNumber(body + (char)('0' + CheckDigitOf(body)));
    }

    /// <summary>
    /// The tracking number of a print as the log holds it: the class by its wire name, whether Signature Confirmation
    /// was paid for, the device serial printed in its indicium and its sequence. Null for a class the rates do not know.
    /// </summary>
    public static TrackingNumber? OfPrint(string mailClass, bool signature, string mailerId, string deviceSerial, long sequence) =>
        MailClasses.TryParse(mailClass, out var parsed) && For(parsed, signature, mailerId, deviceSerial, sequence) is { IsSuccess: true } number
            ? number.Value : null;

    /// <summary>Reads 22 digits whose last is the check digit of the others and whose channel is 94.</summary>
    public static bool TryParse(string? text, out TrackingNumber? number)
    {
        number = null;
        var digits = text?.Replace(" ", "", StringComparison.Ordinal);
        if (digits is not { Length: Length } || !digits.All(char.IsAsciiDigit) || !digits.StartsWith(ChannelApplicationIdentifier, StringComparison.Ordinal)
            || CheckDigitOf(digits[..^1]) != digits[^1] - '0')
            return false;
        number = new TrackingNumber(digits);
        return true;
    }

    /// <summary>
    /// The USPS mod-10 check digit: from the rightmost digit leftwards, digits weighted 3, 1, 3, 1, ...; the check
    /// digit brings the sum up to a multiple of 10.
    /// </summary>
    public static int CheckDigitOf(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (d is < 0 or > 9) throw new ArgumentException("digits only", nameof(digits));
            sum += i % 2 == 0 ? 3 * d : d;
        }
        return (10 - sum % 10) % 10;
    }

    private static ulong Pow10(int n)
    {
        ulong p = 1;
        for (var i = 0; i < n; i++) p *= 10;
        return p;
    }
}
