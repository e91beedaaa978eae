namespace VbiOrleans.Abstractions.Customers;

/// <summary>
/// A customer's SCAN forms (key: the customer id) in the <c>commerce</c> store: each form's content as it was made
/// (so its PDF renders again to the same bytes), the idempotency key that made it, and so which packages are on a
/// form already. The grain makes a form in one turn: the check that no package is on another form and the write
/// cannot interleave with another request's, so a package is on at most one form.
/// </summary>
/// <remarks>
/// Forms are kept while their mailing date is within <see cref="RetentionDays"/> days of today; a form is made only
/// for a date within <see cref="MaxDaysBack"/> days, so every form a new one could overlap is still kept. At most
/// <see cref="MaxFormsPerDay"/> forms per mailing date.
/// </remarks>
public interface IScanFormGrain : IGrainWithStringKey
{
    /// <summary>How many days before today (UTC) a form's mailing date may be.</summary>
    public const int MaxDaysBack = 7;

    /// <summary>How long (days after its mailing date) a form is kept, to be listed, downloaded and checked against.</summary>
    public const int RetentionDays = 31;

    /// <summary>The most forms per mailing date for one account (each lists up to 10,000 packages).</summary>
    public const int MaxFormsPerDay = 20;

    /// <summary>The form the key made, or null; <see cref="ScanFormResult.Error"/> is IdempotencyKeyReused when the key made a form for another request.</summary>
    Task<ScanFormResult?> Find(string idempotencyKey, string requestFingerprint);

    /// <summary>
    /// Makes a form of the candidates that are on no form yet, in their order (at most <paramref name="maxPackages"/>).
    /// With <paramref name="selection"/> true every candidate was asked for by name, and one already on a form refuses
    /// the whole request (PackageAlreadyManifested). None left: NothingToManifest. The same key and fingerprint return
    /// the form made before.
    /// </summary>
    Task<ScanFormResult> Create(ScanFormDraft draft, IReadOnlyList<ScanFormPackageRecord> candidates, bool selection, int maxPackages);

    /// <summary>The forms kept, newest first.</summary>
    Task<IReadOnlyList<ScanFormRecord>> List();

    Task<ScanFormRecord?> Get(string formNumber);
}

/// <summary>
/// A form about to be made: its number (from a serial of <see cref="IScanFormSerialGrain"/>, taken before the grain
/// decides, so a request that makes no form leaves a gap, never a repeat), the request, the day and the mailer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScanFormDraft(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] string RequestFingerprint,
    [property: Id(2)] DateOnly DateOfMailing,
    [property: Id(3)] string MailerName,
    [property: Id(4)] IReadOnlyList<string> MailerAddress,
    [property: Id(5)] string OriginZip,
    [property: Id(6)] string FormNumber);

/// <summary>One package on a form: its tracking number, the print it is, class, weight (tenths of an ounce), destination ZIP and postage.</summary>
[GenerateSerializer, Immutable]
public sealed record ScanFormPackageRecord(
    [property: Id(0)] string TrackingNumber,
    [property: Id(1)] string IndiciumId,
    [property: Id(2)] string MailClass,
    [property: Id(3)] int WeightTenthsOz,
    [property: Id(4)] string DestinationZip,
    [property: Id(5)] long PostageMills);

/// <summary>A SCAN form as it was made.</summary>
[GenerateSerializer, Immutable]
public sealed record ScanFormRecord(
    [property: Id(0)] string FormNumber,
    [property: Id(1)] DateOnly DateOfMailing,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] string MailerName,
    [property: Id(4)] IReadOnlyList<string> MailerAddress,
    [property: Id(5)] string OriginZip,
    [property: Id(6)] IReadOnlyList<ScanFormPackageRecord> Packages,
    [property: Id(7)] string IdempotencyKey,
    [property: Id(8)] string RequestFingerprint)
{
    public long TotalPostageMills => Packages.Sum(p => p.PostageMills);
}

[GenerateSerializer, Immutable]
public sealed record ScanFormResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] ScanFormRecord? Form,
    [property: Id(3)] string? TrackingNumber,
    [property: Id(4)] bool Replayed)
{
    public bool IsSuccess => Error == ErrorCode.None;

    public static ScanFormResult Fail(ErrorCode error, string message, string? trackingNumber = null) => new(error, message, null, trackingNumber, false);
}

/// <summary>The system's SCAN form serials (key 0) in the <c>commerce</c> store: each is handed out once, durably, before it is used.</summary>
public interface IScanFormSerialGrain : IGrainWithIntegerKey
{
    Task<long> Next();
}
