using VbiOrleans.Abstractions.Printers;

namespace VbiOrleans.Abstractions.Customers;

/// <summary>
/// A customer account (key "u-…") in the <c>commerce</c> store: email, the web-account password verifier, API tokens
/// (only their SHA-256 is kept), the meters the customer licensed and the partners the customer linked. Password
/// hashing runs in the API process; this grain keeps and compares hashes only.
/// </summary>
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Creates the account once; repeating it for the same email with the account already created is refused.</summary>
    Task<CustomerResult> Create(string email, string? name, byte[] passwordVerifier);

    /// <summary>The web-account password verifier, for a login, unless too many logins failed lately.</summary>
    Task<LoginGate> BeginLogin();

    /// <summary>Records a failed login (wrong password) for the lockout count.</summary>
    Task RecordFailedLogin();

    /// <summary>Issues a token: stores SHA-256 of it until <paramref name="expiresAt"/> and clears the failure count.</summary>
    Task<CustomerResult> AddToken(byte[] tokenHash, DateTimeOffset expiresAt);

    /// <summary>The customer when the token is one of its unexpired tokens; otherwise null.</summary>
    Task<CustomerView?> Authenticate(byte[] tokenHash);

    Task RevokeToken(byte[] tokenHash);

    Task<CustomerView?> Get();

    /// <summary>
    /// Licenses a meter to this customer at a licensing ZIP: takes a provisioned meter from MeterGen's pool and licenses
    /// it. The same <paramref name="requestKey"/> returns the same meter (a retried request takes no second meter).
    /// </summary>
    Task<LicenseResult> LicenseMeter(string zip, string requestKey);

    Task<CustomerResult> LinkPartner(string partnerId);

    Task<CustomerResult> UnlinkPartner(string partnerId);

    /// <summary>
    /// Keeps the customer's calibration offset for a printer (the API checked the printer and the bounds); an offset of
    /// 0, 0 drops it. At most <see cref="MaxPrinterCalibrations"/> printers, else <c>TooManyPrinterCalibrations</c>.
    /// </summary>
    Task<CustomerResult> SetPrinterCalibration(PrinterCalibration calibration);

    const int MaxPrinterCalibrations = 50;

    /// <summary>Keeps the account's return address (standardized by the API before it gets here); null removes it.</summary>
    Task<CustomerResult> SetReturnAddress(Meters.ShipmentAddress? address);

    /// <summary>
    /// Keeps the account's tax id (9 digits, checked by the API), encrypted under a key wrapped in the HSM; null removes
    /// it. It goes to the postal authority only inside licence applications, encrypted to its key.
    /// </summary>
    Task<CustomerResult> SetTaxId(string? taxId);

    /// <summary>The tax id in clear, for the licence application (never shown by the API); null when the account has none.</summary>
    Task<string?> TaxId();
}

/// <summary>The email index (key "email:" + the normalized address): which customer holds an address.</summary>
public interface ICustomerEmailGrain : IGrainWithStringKey
{
    /// <summary>Claims the address for <paramref name="customerId"/> unless another customer holds it; returns the holder.</summary>
    Task<string> Claim(string customerId);

    Task<string?> Holder();
}

[GenerateSerializer, Immutable]
public sealed record CustomerView(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string Email,
    [property: Id(2)] string? Name,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] IReadOnlyList<string> MeterIds,
    [property: Id(5)] IReadOnlyList<string> PartnerIds)
{
    /// <summary>The customer's calibration offsets by printer; every authenticated request carries them, so a print needs no extra call.</summary>
    [Id(12)] public IReadOnlyList<PrinterCalibration> PrinterCalibrations { get; init; } = [];

    /// <summary>The sender printed on the customer's shipping labels when a print names none (<c>vbi print</c>).</summary>
    [Id(6)] public Meters.ShipmentAddress? ReturnAddress { get; init; }

    /// <summary>Whether the account gave a tax id (the id itself is never shown).</summary>
    [Id(13)] public bool HasTaxId { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record CustomerResult([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] CustomerView? Customer)
{
    public bool IsSuccess => Error == ErrorCode.None;
    public static CustomerResult Fail(ErrorCode error, string message) => new(error, message, null);
}

/// <summary>Whether a login may be tried now, and the verifier to try it against.</summary>
[GenerateSerializer, Immutable]
public sealed record LoginGate([property: Id(0)] ErrorCode Error, [property: Id(1)] byte[]? PasswordVerifier, [property: Id(2)] TimeSpan? RetryAfter);

[GenerateSerializer, Immutable]
public sealed record LicenseResult([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] string? MeterId)
{
    public bool IsSuccess => Error == ErrorCode.None;
}
