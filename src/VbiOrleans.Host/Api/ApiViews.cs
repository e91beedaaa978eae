using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Money;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Host.Api;

// Bodies and views of the customer, partner and operator API. Amounts are integer mills with a dollars string beside
// them for people ("$1.234"); bytes are standard base64.

public sealed record SignUpRequest(string? Email, string? Password, string? Name);

public sealed record LogInRequest(string? Email, string? Password);

/// <summary>A customer token and when it expires. The token is shown once; the server keeps only its SHA-256.</summary>
public sealed record SessionView(string Token, DateTimeOffset ExpiresAt, CustomerProfile Customer);

public sealed record CustomerProfile(string CustomerId, string Email, string? Name, DateTimeOffset CreatedAt, IReadOnlyList<string> MeterIds,
    IReadOnlyList<string> PartnerIds)
{
    /// <summary>The account's return address, standardized, or null.</summary>
    public ShipmentAddressView? ReturnAddress { get; init; }

    /// <summary>On <c>GET /v1/customers/me</c>: whether new postage value downloads are locked (null in other answers).</summary>
    public bool? Locked { get; init; }

    /// <summary>On <c>GET /v1/customers/me</c>: each lock's kind, reference and time, without customer care's notes.</summary>
    public IReadOnlyList<CustomerLockView>? Locks { get; init; }
    /// <summary>Whether the account gave a tax id (never shown).</summary>
    public bool HasTaxId { get; init; }

    public static CustomerProfile Of(CustomerView c) => new(c.CustomerId, c.Email, c.Name, c.CreatedAt, c.MeterIds, c.PartnerIds)
    {
        ReturnAddress = c.ReturnAddress is { } a ? ShipmentAddressView.Of(a) : null,
        HasTaxId = c.HasTaxId,
    };
}

/// <summary>A shipment address as the SDK's <c>ShipmentAddress</c> reads it (optional fields null).</summary>
public sealed record ShipmentAddressView(string Name, string Street, string City, string State, string Zip5, string? Company, string? Street2, string? Zip4)
{
    public static ShipmentAddressView Of(ShipmentAddress a) => new(a.Name, a.Street, a.City, a.State, a.Zip5, Null(a.Company), Null(a.Street2), Null(a.Zip4));

    private static string? Null(string value) => value.Length == 0 ? null : value;
}

public sealed record LinkPartnerRequest(string? PartnerId);

public sealed record LicenseMeterRequest(string? LicensingZip);

/// <summary>
/// A meter as its customer sees it: state, licensing ZIP, registers (AR: printed; DR: available). An inhibited meter
/// shows state <c>Inhibited</c>, the reason, and module memory's last checkpoint (its registers are that checkpoint's,
/// piece count 0: not known); never anything of a postal row the module does not vouch for.
/// </summary>
public sealed record MeterView(string MeterId, string State, string? LicensingZip, string? CertificateSerial, long AscendingMills,
    long DescendingMills, long PieceCount, long Sequence, string Ascending, string Descending, string? InhibitReason = null,
    CheckpointView? ModuleMemoryCheckpoint = null)
{
    public static MeterView Of(string meterId, RegistersView r, string? zip, string? serial) => new(meterId, r.State, zip, serial,
        r.AscendingMills, r.DescendingMills, r.PieceCount, r.Sequence, new Mills(r.AscendingMills).ToDollars(), new Mills(r.DescendingMills).ToDollars());

    public static MeterView Of(string meterId, MeterSnapshot s) =>
        Of(meterId, s.Registers, s.LicensingZip, s.CertificateSerial) with { InhibitReason = s.InhibitReason, ModuleMemoryCheckpoint = s.ModuleMemoryCheckpoint };

    /// <summary>The postal authority's answer to the meter's licence application (GET of one meter only).</summary>
    public LicenceView? Licence { get; init; }
}

/// <summary>A meter's licence with the postal authority: <c>pending</c>, <c>approved</c> or <c>rejected</c> (with its reason).</summary>
public sealed record LicenceView(string Decision, string? Reason, DateTimeOffset? AnsweredAt)
{
    public static LicenceView Of(VbiOrleans.Abstractions.Provider.LicenceStatus s) => new(s.Decision.ToString().ToLowerInvariant(), s.Reason, s.AnsweredAt);
}

/// <summary>The module identity public key clients pin: SubjectPublicKeyInfo (DER, base64), its SHA-256 and PEM.</summary>
public sealed record ModuleIdentityView(string Algorithm, string PublicKey, string Fingerprint, string Pem);

/// <summary>A money-moving request: the signed request (docs/client-protocol.md §5) and, for a print, the label wanted.</summary>
public sealed record SignedTransactionRequest(SignedRequestJson? Request, LabelOptionsRequest? Label);

/// <summary>
/// An executed transaction: the module's signed response (the client verifies it and takes the next challenge from it),
/// the meter after it, and for a print the indicium and its label.
/// </summary>
public sealed record TransactionView(string MeterId, string Kind, string Outcome, long AmountMills, string Amount, long Sequence, MeterView Meter,
    string? IndiciumId, string? Indicium, LabelView? Label, SignedResponseJson SignedResponse)
{
    /// <summary>A print with a shipment: its IMpb tracking number (docs/shipping.md).</summary>
    public string? TrackingNumber { get; init; }
}

public sealed record HistoryView(long Sequence, DateTimeOffset At, string Kind, long AmountMills, string Amount, long AscendingMills,
    long DescendingMills, string? IndiciumId, string? Indicium, string? Reference, string? DestinationZip, string? MailClass, string InitiatedBy,
    bool Refunded)
{
    /// <summary>A print's shipment, for a customer's records and a SCAN form: tracking number, weight, origin, recipient.</summary>
    public HistoryShipmentView? Shipment { get; init; }
}

/// <summary>
/// What a history entry shows of a print's shipment: the tracking number, the weight (ounces and tenths), the sender's
/// ZIP, the recipient's name, city, state and ZIP, the dimensions (LxWxH inches) and the extra services.
/// </summary>
public sealed record HistoryShipmentView(string? TrackingNumber, string WeightOz, int WeightTenthsOz, string FromZip, string RecipientName,
    string RecipientCity, string RecipientState, string RecipientZip, string? Dims, bool Signature, long? DeclaredValueMills)
{
    public static HistoryShipmentView Of(Abstractions.Meters.PrintShipment s, string? trackingNumber) => new(trackingNumber,
        (s.WeightTenthsOz / 10m).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture), s.WeightTenthsOz, s.From.Zip5, s.To.Name, s.To.City,
        s.To.State, s.To.Zip4.Length == 0 ? s.To.Zip5 : s.To.Zip5 + "-" + s.To.Zip4,
        s.LengthHundredths == 0 ? null : new Domain.Rates.Dimensions(s.LengthHundredths, s.WidthHundredths, s.HeightHundredths).ToString(),
        s.Signature, s.DeclaredValueMills == 0 ? null : s.DeclaredValueMills);
}

/// <summary>Newest first; <see cref="NextBefore"/> is the <c>before</c> for the next (older) page, or null at the start.</summary>
public sealed record HistoryPage(string MeterId, IReadOnlyList<HistoryView> Entries, long? NextBefore);

public sealed record WebhookSettingRequest(string? Url);

public sealed record CreatePartnerRequest(string? PartnerId, string? Name, string? WebhookUrl);

/// <summary>The new partner and its two secrets (base64url), shown this once.</summary>
public sealed record PartnerCreated(Abstractions.Partners.PartnerView Partner, string Secret, string WebhookSecret);

