using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Client;

// What the customer, partner and operator endpoints return. Amounts are mills (tenths of a cent) with the server's
// dollars string beside them; bytes are base64 on the wire and byte arrays here where the SDK decodes them.

/// <summary>A customer token (send it as <see cref="VbiClientOptions.CustomerToken"/>) and the account.</summary>
public sealed record CustomerSession(string Token, DateTimeOffset ExpiresAt, CustomerProfile Customer);

public sealed record CustomerProfile(string CustomerId, string Email, string? Name, DateTimeOffset CreatedAt, IReadOnlyList<string> MeterIds,
    IReadOnlyList<string> PartnerIds)
{
    /// <summary>The account's return address, the sender of its shipping labels by default; null when none is set.</summary>
    public ShipmentAddress? ReturnAddress { get; init; }

    /// <summary>From <see cref="VbiClient.GetMeAsync"/>: whether new postage value downloads are locked (an ACH return, an unpaid invoice, customer care).</summary>
    public bool? Locked { get; init; }

    /// <summary>From <see cref="VbiClient.GetMeAsync"/>: why the account is locked, one entry per lock.</summary>
    public IReadOnlyList<AccountLockInfo>? Locks { get; init; }
    /// <summary>Whether the account gave a tax id (<see cref="VbiClient.SetTaxIdAsync"/>); the id itself is never shown.</summary>
    public bool HasTaxId { get; init; }
}

/// <summary>One lock on an account: its kind (achReturned, invoiceUnpaid, operator, chargeback), what it refers to, since when.</summary>
public sealed record AccountLockInfo(string Reason, string Reference, DateTimeOffset Since);

/// <summary>
/// A meter: state (Licensed, Operational, …), licensing ZIP, registers (AR printed, DR available). An inhibited meter
/// has state Inhibited, the reason, no ZIP or serial, and the registers of module memory's last checkpoint (also in
/// <see cref="ModuleMemoryCheckpoint"/>; piece count 0, not known).
/// </summary>
public sealed record MeterInfo(string MeterId, string State, string? LicensingZip, string? CertificateSerial, long AscendingMills,
    long DescendingMills, long PieceCount, long Sequence, string Ascending, string Descending, string? InhibitReason = null,
    MeterCheckpointInfo? ModuleMemoryCheckpoint = null)
{
    /// <summary>The postal authority's answer to the meter's licence (<see cref="VbiClient.GetMeterAsync"/> only).</summary>
    public MeterLicenceInfo? Licence { get; init; }
}

/// <summary>A meter's licence: <c>pending</c> (no PVD or print yet), <c>approved</c>, or <c>rejected</c> with the postal authority's reason.</summary>
public sealed record MeterLicenceInfo(string Decision, string? Reason, DateTimeOffset? AnsweredAt);

/// <summary>A checkpoint as the module keeps it (module memory's last one, for an inhibited meter).</summary>
public sealed record MeterCheckpointInfo(long Sequence, string Kind, long AmountMills, long AscendingMills, long DescendingMills, string ModuleSerial,
    DateTimeOffset At);

/// <summary>The module identity public key (SubjectPublicKeyInfo, base64) and its SHA-256 fingerprint (hex).</summary>
public sealed record ModuleIdentity(string Algorithm, string PublicKey, string Fingerprint, string Pem);

/// <summary>
/// What to print: postage in mills, destination ZIP, mail class (FIRST-CLASS, PRIORITY, …) and kind of item; and for
/// a shipping label, the shipment (the server then refuses postage below its rate, and the label carries both
/// addresses and a tracking number). The shipment is signed with the rest: nobody between here and the module can change it.
/// </summary>
public sealed record PrintOrder(long PostageMills, string DestinationZip, string MailClass, string ItemKind = "postage")
{
    public Shipment? Shipment { get; init; }
}

/// <summary>
/// A standardized address for a shipment, as the address matching service answers it (<see cref="FromCandidate"/>):
/// name 1-40, company 0-40, street lines 1-48, city 1-28, a two-letter state, a 5-digit ZIP, optionally the ZIP+4 add-on.
/// </summary>
public sealed record ShipmentAddress(string Name, string Street, string City, string State, string Zip5, string? Company = null, string? Street2 = null,
    string? Zip4 = null)
{
    /// <summary>A match candidate's address; <paramref name="name"/> when the candidate has none.</summary>
    public static ShipmentAddress FromCandidate(StandardAddress address, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var who = address.Name ?? name;
        if (string.IsNullOrWhiteSpace(who)) throw new ArgumentException("a shipment address needs a name (put it first: 'Jane Roe, 1 Main St, ...')", nameof(address));
        if (address.City is null || address.State is null || address.Zip is null)
            throw new ArgumentException("a shipment address needs a city, a state and a ZIP", nameof(address));
        return new ShipmentAddress(who, address.DeliveryLine, address.City, address.State, address.Zip, address.Company, null, address.ZipPlus4);
    }

    /// <summary>"SAN FRANCISCO CA 94102".</summary>
    public string LastLine => $"{City} {State} {(Zip4 is null ? Zip5 : Zip5 + "-" + Zip4)}";
}

/// <summary>
/// A print's shipment: sender, recipient, weight in tenths of an ounce, optional dimensions in hundredths of an inch
/// (any order), Signature Confirmation, and insurance's declared value in mills. <see cref="ShipmentUnits"/> reads
/// "3.5" ounces and "12x10x4.5" inches.
/// </summary>
public sealed record Shipment(ShipmentAddress From, ShipmentAddress To, int WeightTenthsOz, IReadOnlyList<int>? DimensionsHundredths = null,
    bool Signature = false, long? DeclaredValueMills = null);

/// <summary>The label wanted: format (pdf, png, svg, zpl, or none for the indicium alone), layout (label-4x6, envelope-10), a printer from the table or a resolution.</summary>
public sealed record LabelOptions(string? Format = null, string? Layout = null, string? Printer = null, int? Dpi = null);

/// <summary>A rendered label: the file's bytes (base64 in <see cref="Data"/>) and what it is.</summary>
public sealed record LabelFile(string Format, string Layout, int Dpi, string? Printer, string ContentType, string FileName, string Data)
{
    public byte[] Bytes() => Convert.FromBase64String(Data);
}

/// <summary>An executed transaction, already verified against the module's signed response.</summary>
public sealed record TransactionResult(string MeterId, string Kind, string Outcome, long AmountMills, string Amount, long Sequence, MeterInfo Meter,
    string? IndiciumId, string? Indicium, LabelFile? Label, SignedResponseJson SignedResponse)
{
    /// <summary>The indicium bytes (signed data and signature) of a print.</summary>
    public byte[]? IndiciumBytes() => Indicium is null ? null : Convert.FromBase64String(Indicium);

    /// <summary>A print with a shipment: its IMpb tracking number (22 digits).</summary>
    public string? TrackingNumber { get; init; }
}

public sealed record HistoryEntry(long Sequence, DateTimeOffset At, string Kind, long AmountMills, string Amount, long AscendingMills,
    long DescendingMills, string? IndiciumId, string? Indicium, string? Reference, string? DestinationZip, string? MailClass, string InitiatedBy,
    bool Refunded)
{
    /// <summary>A print's shipment: tracking number, weight, sender's ZIP, recipient.</summary>
    public HistoryShipment? Shipment { get; init; }
}

/// <summary>What history shows of a print's shipment (enough for a SCAN form).</summary>
public sealed record HistoryShipment(string? TrackingNumber, string WeightOz, int WeightTenthsOz, string FromZip, string RecipientName, string RecipientCity,
    string RecipientState, string RecipientZip, string? Dims, bool Signature, long? DeclaredValueMills);

public sealed record HistoryPage(string MeterId, IReadOnlyList<HistoryEntry> Entries, long? NextBefore);

/// <summary>
/// A shipment to quote (<c>GET /v1/rates</c>): 5-digit ZIPs, the weight in ounces with at most one decimal ("3.5"),
/// optionally dimensions "LxWxH" in inches, a class (none: every class, cheapest first), a shape (letter, flat,
/// parcel), extra services (signature, insurance), the declared value for insurance, and the date whose price table
/// applies (none: today).
/// </summary>
public sealed record RateRequest(string From, string To, string WeightOz, string? Dims = null, string? MailClass = null, string? Shape = null,
    IReadOnlyList<string>? Services = null, long? DeclaredValueMills = null, DateOnly? Date = null);

/// <summary>The zone, the price table and one quote per class that takes the shipment, cheapest first; and the classes that do not, and why.</summary>
public sealed record RatesResult(string From, string To, string Zone, string ZoneBasis, int? Miles, string TableId, string TableEffective,
    string WeightOz, string? Dims, IReadOnlyList<RateQuote> Quotes, IReadOnlyList<RateRefusal> Refused);

public sealed record RateQuote(string MailClass, string Shape, string Zone, string TableId, long PostageMills, string Postage, RateBreakdown Breakdown);

/// <summary><c>PostageMills</c> = <c>BaseMills</c> + the services' mills; <c>PricedBy</c>: weight, dimensional-weight or cubic-tier.</summary>
public sealed record RateBreakdown(long BaseMills, string PricedBy, string RatedWeightOz, string PriceStepOz, RateDimensionalWeight? DimensionalWeight,
    RateCubicTier? CubicTier, IReadOnlyList<RateServiceCharge> Services);

public sealed record RateDimensionalWeight(string RoundedDims, int CubicInches, int Pounds, bool Applied);

public sealed record RateCubicTier(string Tier, long Mills, bool Applied);

public sealed record RateServiceCharge(string Service, long Mills, string Amount);

public sealed record RateRefusal(string MailClass, string Code, string Detail);

/// <summary>The answer of <c>POST /v1/indicia/verify</c>: valid only when every check that ran passed.</summary>
public sealed record VerificationResult(bool Valid, VerifiedIndicium? Indicium, IReadOnlyList<VerificationCheck> Checks, IReadOnlyList<VerificationReason> Reasons,
    VerificationOnline? Online);

public sealed record VerifiedIndicium(int FormatVersion, string Kind, string CertificateSerial, string VendorId, string Model, string DeviceSerial,
    long AscendingAfterMills, long PostageMills, string Postage, DateOnly DateOfMailing, string LicensingZip, string DestinationZip, string MailClass,
    long PieceCounter, string SoftwareId, long DescendingAfterMills);

public sealed record VerificationCheck(string Check, string Status, string? Code, string Message);

public sealed record VerificationReason(string Code, string Check, string Message);

public sealed record VerificationOnline(string? MeterId, bool? InRecords, bool? Refunded, string? IndiciumId, DateTimeOffset? RecordsFrom);

/// <summary>A partner's id and secret (the secret as the operator received it: base64url).</summary>
public sealed record PartnerCredentials(string PartnerId, string Secret)
{
    /// <summary>The customer the partner acts for (<c>Vbi-On-Behalf-Of</c>); null for the partner's own endpoints.</summary>
    public string? OnBehalfOf { get; init; }

    [JsonIgnore]
    internal byte[] SecretBytes => Convert.FromBase64String(Secret.Replace('-', '+').Replace('_', '/').PadRight((Secret.Length + 3) / 4 * 4, '='));
}

public sealed record PartnerInfo(string PartnerId, string Name, string? WebhookUrl, DateTimeOffset CreatedAt, string CreatedBy, int LinkedCustomers);

/// <summary>A new partner and its secrets (base64url), shown once.</summary>
public sealed record PartnerCreated(PartnerInfo Partner, string Secret, string WebhookSecret);

public sealed record WebhookDeliveryInfo(string EventId, string Type, int Attempt, DateTimeOffset At, int Status, string? Error, bool Delivered,
    DateTimeOffset? NextAttemptAt, long DurationMs);

public sealed record OperatorAuditEntry(DateTimeOffset At, string Operator, string Method, string Path, int Status, string? RemoteAddress);

/// <summary>What a SCAN form lists: a mailing day (today, UTC, when null) and optionally some meters or exactly some tracking numbers.</summary>
public sealed record ScanFormOrder(DateOnly? Date = null, IReadOnlyList<string>? MeterIds = null, IReadOnlyList<string>? TrackingNumbers = null);

/// <summary>A package on a SCAN form.</summary>
public sealed record ScanFormPackage(string TrackingNumber, string IndiciumId, string MailClass, string WeightOz, string DestinationZip, long PostageMills,
    string Postage);

/// <summary>A SCAN form: its number (the barcode reads AI 420, the origin ZIP, then this number), the day, the packages and totals.</summary>
public sealed record ScanForm(string FormNumber, string Date, DateTimeOffset CreatedAt, string MailerName, IReadOnlyList<string> MailerAddress,
    string OriginZip, int PackageCount, long TotalPostageMills, string TotalPostage, IReadOnlyList<string> TrackingNumbers,
    IReadOnlyList<ScanFormPackage> Packages, string? Pdf)
{
    /// <summary>The form's PDF (letter pages), when the answer carries it (made or asked for by number; a list does not).</summary>
    public byte[]? PdfBytes() => Pdf is null ? null : Convert.FromBase64String(Pdf);
}
