namespace VbiOrleans.Abstractions.Provider;

/// <summary>
/// The provider services (the seed's CMLS, CMRS and ACH): each sends one file per business day to the postal
/// authority (docs/provider-files.md). The remittance's NACHA credit file reads the ledger's remittance payable.
/// </summary>
public static class ProviderServices
{
    public const string Licensing = "licensing";
    public const string Resetting = "resetting";
    public const string Remittance = "remittance";

    /// <summary>The services this system runs.</summary>
    public static readonly IReadOnlyList<string> Running = [Licensing, Resetting, Remittance];

    public static bool IsRunning(string? service) => service is not null && Running.Contains(service);
}

/// <summary>
/// One provider service (key: its name, <see cref="ProviderServices"/>): one activation in the cluster, woken by a
/// reminder every <c>Vbi:Provider:CheckPeriod</c>. Each wake runs every closed business day that is not sent and
/// verified yet (the previous day from <c>Vbi:Provider:RunAt</c> on, and any day still pending), in day order; the
/// licensing service also reads the postal authority's answer files. A day is never skipped: it stays pending, and is
/// tried again at each wake, until its file is verified at the postal authority.
/// </summary>
public interface IProviderServiceGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the reminder is registered; returns the service's pending days.</summary>
    Task<IReadOnlyList<DateOnly>> Start();

    /// <summary>
    /// Runs (or runs again) one day at once: the same file, byte for byte, and no second upload of another one. It may
    /// wait for a wake in progress, and a run is bounded by the feed wait and the transfer's retries, well under
    /// <see cref="ProviderCalls.RunTimeout"/>.
    /// </summary>
    [ResponseTimeout(ProviderCalls.RunTimeout)]
    Task<ProviderFileView> Run(DateOnly day);

    /// <summary>The service's days, newest first, at most <paramref name="limit"/>; answered at once, even while a run is in progress.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<ProviderFileView>> Files(int limit);
}

/// <summary>
/// One service's file of one business day (key <c>{service}/{yyyy-MM-dd}</c>): its state, kept durably after each
/// step (built, signed, archived, uploaded, verified), so a silo that dies mid-run loses and repeats nothing; every
/// step is idempotent.
/// </summary>
public interface IProviderDayGrain : IGrainWithStringKey
{
    static string Key(string service, DateOnly day) => $"{service}/{day:yyyy-MM-dd}";

    [ResponseTimeout(ProviderCalls.RunTimeout)]
    Task<ProviderFileView> Run();

    /// <summary>The day's state as last recorded; answered at once, even while a run is in progress.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ProviderFileView> View();
}

/// <summary>Bounds on the provider grains' calls.</summary>
public static class ProviderCalls
{
    /// <summary>
    /// A run's call may last this long (Orleans' default is 30 s): it waits for the log feed
    /// (<c>Vbi:Provider:FeedWait</c>) and tries the transfer several times, each try bounded by the SFTP timeouts.
    /// </summary>
    public const string RunTimeout = "00:05:00";
}

/// <summary>How far a day's file has come. Each state includes the ones before it.</summary>
public enum ProviderFileState
{
    Pending = 0,
    Built = 1,
    Signed = 2,
    Archived = 3,
    Uploaded = 4,
    Verified = 5,
}

/// <summary>
/// A day's file as operators see it: its state, the transfer attempts so far and the last error (a verified transfer
/// clears it), size and SHA-256 of the file, when it was verified at the postal authority, where it went and where the
/// archive keeps it; for the remittance, the credit in the file, the mills carried in remittance payable and the
/// ledger entry posted.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProviderFileView(
    [property: Id(0)] string Service,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] ProviderFileState State,
    [property: Id(3)] string? FileName,
    [property: Id(4)] long? Size,
    [property: Id(5)] string? Sha256,
    [property: Id(6)] int Attempts,
    [property: Id(7)] string? LastError,
    [property: Id(8)] DateTimeOffset? LastAttemptAt,
    [property: Id(9)] DateTimeOffset? TransferredAt,
    [property: Id(10)] string? RemotePath,
    [property: Id(11)] string? ArchivePath,
    [property: Id(12)] int Runs,
    [property: Id(13)] long? RemittedMills = null,
    [property: Id(14)] long? CarriedMills = null,
    [property: Id(15)] string? LedgerEntryId = null);

/// <summary>The provider's signing certificate (ECDSA P-256, key <c>vbi-provider-signing</c> in the HSM), issued by the postal CA.</summary>
public interface IProviderCertificateGrain : IGrainWithIntegerKey
{
    /// <summary>The certificate (DER), made once.</summary>
    Task<byte[]> Certificate();
}

/// <summary>When a business day (a UTC date) is closed: <see cref="ProviderOptions.RunAt"/> after the midnight that ends it.</summary>
public static class ProviderSchedule
{
    public static DateOnly LatestClosedDay(DateTimeOffset now, TimeSpan runAt) => DateOnly.FromDateTime((now - runAt).UtcDateTime).AddDays(-1);

    public static bool IsClosed(DateOnly day, DateTimeOffset now, TimeSpan runAt) => day <= LatestClosedDay(now, runAt);
}

/// <summary>When the operators' runs may take a day: the daily run time and whether an open day may be run (tests). From <c>Vbi:Provider</c>.</summary>
public sealed record ProviderRunWindow(TimeSpan RunAt, bool AllowOpenDay);
