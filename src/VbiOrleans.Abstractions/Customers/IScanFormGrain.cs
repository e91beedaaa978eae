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
    /// Makes a form, in one turn: reads the account (its meters, its return address), waits (bounded) for the history
    /// to apply the log as far as it reached, gathers the day's prints with a tracking number from the meters' history,
    /// leaves out refunded ones and those on a form already, and keeps the new form. With a selection, a tracking
    /// number that is not a print of the day on those meters (TrackingNumberUnknown), refunded (PackageRefunded) or on
    /// a form (PackageAlreadyManifested) refuses the whole request; none left is NothingToManifest. The same key and
    /// fingerprint return the form made before; the same key with another fingerprint is IdempotencyKeyReused.
    /// </summary>
    Task<ScanFormResult> Create(ScanFormDraft draft);

    /// <summary>The forms kept, newest first.</summary>
    Task<IReadOnlyList<ScanFormRecord>> List();

    Task<ScanFormRecord?> Get(string formNumber);
}

/// <summary>
/// A form asked for: the request (idempotency key, fingerprint, day, meters or all of the account's, a selection or
/// the whole day) and its number, from a serial of <see cref="IScanFormSerialGrain"/> taken before the grain decides,
/// so a request that makes no form leaves a gap, never a repeat.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScanFormDraft(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] string RequestFingerprint,
    [property: Id(2)] DateOnly DateOfMailing,
    [property: Id(3)] IReadOnlyList<string>? MeterIds,
    [property: Id(4)] IReadOnlyList<string>? TrackingNumbers,
    [property: Id(5)] string FormNumber,
    [property: Id(6)] int MaxPackages,
    [property: Id(7)] int MaxLineLength);

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

    /// <summary>The meter a refusal names (MeterNotFound).</summary>
    [Id(5)] public string? MeterId { get; init; }

    public static ScanFormResult Fail(ErrorCode error, string message, string? trackingNumber = null) => new(error, message, null, trackingNumber, false);
}

/// <summary>The system's SCAN form serials (key 0) in the <c>commerce</c> store: each is handed out once, durably, before it is used.</summary>
public interface IScanFormSerialGrain : IGrainWithIntegerKey
{
    Task<long> Next();
}
