using System.Globalization;
using System.Text.RegularExpressions;

namespace VbiOrleans.Labels;

/// <summary>
/// What one label shows: the signed indicium (already produced by a crypto module; encoded here as the Data Matrix
/// symbol, byte for byte) and the human-readable lines printed beside it. Amounts are mills (tenths of a cent).
/// </summary>
/// <param name="Indicium">The signed indicium bytes, exactly as the barcode must carry them.</param>
/// <param name="PostageMills">The postage (or value of the item) in mills; 730 prints "$0.73", 735 prints "$0.735".</param>
/// <param name="DateOfMailing">Printed as "MAILED yyyy-MM-dd".</param>
/// <param name="OriginZip">The licensing ZIP the piece is mailed from: 5 digits, or ZIP+4 as 9 digits with or without the hyphen.</param>
/// <param name="DestinationZip">Same forms as the origin. Validated but not printed: it travels inside the signed indicium, and the address is not this library's to print.</param>
/// <param name="MailClass">e.g. "First-Class Mail"; printed in capitals. Printable ASCII, at most 32 characters.</param>
/// <param name="DeviceId">The meter's device id, printed as given, e.g. "VBI-ORL-1 000123". Printable ASCII, at most 32 characters.</param>
/// <param name="ItemKind">Postage, Ticket, Coupon, Voucher or GiftCertificate (any case; "gift certificate" too).</param>
/// <param name="IndiciumId">Optional reference printed in small type under the block. Printable ASCII, at most 40 characters.</param>
public sealed partial record LabelContent(
    byte[] Indicium,
    long PostageMills,
    DateOnly DateOfMailing,
    string OriginZip,
    string DestinationZip,
    string MailClass,
    string DeviceId,
    string ItemKind,
    string? IndiciumId = null)
{
    public const int MaxTextLength = 32;

    /// <summary>
    /// The shipment for an addressed label (sender, recipient, class banner, weight, tracking number and IMpb), or
    /// null for a letter: then the label carries the indicium block alone.
    /// </summary>
    public LabelShipment? Shipment { get; init; }
    public const int MaxIndiciumIdLength = 40;

    private static readonly string[] ItemKinds = ["POSTAGE", "TICKET", "COUPON", "VOUCHER", "GIFT CERTIFICATE"];

    /// <summary>The postage as printed: dollars and cents, or three decimals when the mills are not a whole cent.</summary>
    public static string FormatPostage(long mills)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mills);
        var dollars = mills / 1000;
        var rest = mills % 1000;
        return rest % 10 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"${dollars}.{rest / 10:D2}")
            : string.Create(CultureInfo.InvariantCulture, $"${dollars}.{rest:D3}");
    }

    /// <summary>The problem with this content in one sentence, or null when it can be printed.</summary>
    public string? Validate()
    {
        if (Indicium is null || Indicium.Length == 0)
        {
            return "the indicium is empty";
        }

        if (PostageMills < 0)
        {
            return $"the postage is negative ({PostageMills} mills)";
        }

        if (!IsZip(OriginZip))
        {
            return $"the origin ZIP '{OriginZip}' is not 5 digits or ZIP+4 (9 digits, with or without the hyphen)";
        }

        if (!IsZip(DestinationZip))
        {
            return $"the destination ZIP '{DestinationZip}' is not 5 digits or ZIP+4 (9 digits, with or without the hyphen)";
        }

        if (!IsPrintable(MailClass, MaxTextLength))
        {
            return $"the mail class must be 1 to {MaxTextLength} printable ASCII characters";
        }

        if (!IsPrintable(DeviceId, MaxTextLength))
        {
            return $"the device id must be 1 to {MaxTextLength} printable ASCII characters";
        }

        if (ItemKindText() is null)
        {
            return $"the item kind '{ItemKind}' is not one of Postage, Ticket, Coupon, Voucher, GiftCertificate";
        }

        if (IndiciumId is not null && !IsPrintable(IndiciumId, MaxIndiciumIdLength))
        {
            return $"the indicium id must be 1 to {MaxIndiciumIdLength} printable ASCII characters";
        }

        return Shipment?.Validate();
    }

    /// <summary>The human-readable lines, top to bottom, as every format prints them.</summary>
    internal IReadOnlyList<(string Text, LineStyle Style)> HumanReadableLines()
    {
        var lines = new List<(string, LineStyle)>
        {
            (ItemKindText()!, LineStyle.Kind),
            (FormatPostage(PostageMills), LineStyle.Amount),
            (MailClass.ToUpperInvariant(), LineStyle.Body),
            (string.Create(CultureInfo.InvariantCulture, $"MAILED {DateOfMailing:yyyy-MM-dd}"), LineStyle.Body),
            ($"FROM {OriginZip}", LineStyle.Body),
            (DeviceId, LineStyle.Body),
        };
        if (IndiciumId is not null)
        {
            lines.Add(($"ID {IndiciumId}", LineStyle.Small));
        }

        return lines;
    }

    private string? ItemKindText()
    {
        if (ItemKind is null)
        {
            return null;
        }

        var spaced = ItemKind.Trim().ToUpperInvariant();
        if (spaced == "GIFTCERTIFICATE")
        {
            spaced = "GIFT CERTIFICATE";
        }

        return Array.IndexOf(ItemKinds, spaced) >= 0 ? spaced : null;
    }

    private static bool IsZip(string? zip) => zip is not null && ZipPattern().IsMatch(zip);

    private static bool IsPrintable(string? text, int maxLength) =>
        !string.IsNullOrWhiteSpace(text) && text.Length <= maxLength && text.All(c => c is >= ' ' and <= '~');

    [GeneratedRegex(@"^[0-9]{5}(-?[0-9]{4})?\z")]
    private static partial Regex ZipPattern();
}

/// <summary>The type of one human-readable line.</summary>
internal enum LineStyle
{
    Kind,
    Amount,
    Body,
    Small,
}
