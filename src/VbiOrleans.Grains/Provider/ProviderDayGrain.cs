using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Modules;
using VbiOrleans.PostalAuthority;

namespace VbiOrleans.Grains.Provider;

[GenerateSerializer]
public sealed class ProviderDayState
{
    [Id(0)] public ProviderFileState State { get; set; }
    [Id(1)] public string? FileName { get; set; }
    [Id(2)] public long? Size { get; set; }
    [Id(3)] public string? Sha256 { get; set; }
    /// <summary>The file's detached signature, made once: ECDSA signatures differ each time, the archived one is the one.</summary>
    [Id(4)] public byte[]? Signature { get; set; }
    [Id(5)] public int Attempts { get; set; }
    [Id(6)] public string? LastError { get; set; }
    [Id(7)] public DateTimeOffset? LastAttemptAt { get; set; }
    [Id(8)] public DateTimeOffset? TransferredAt { get; set; }
    [Id(9)] public string? RemotePath { get; set; }
    [Id(10)] public int Runs { get; set; }
    /// <summary>Remittance: the credit in the file (whole cents, mills), and the mills of the day's net that stay in remittance payable.</summary>
    [Id(11)] public long? RemittedMills { get; set; }
    [Id(12)] public long? CarriedMills { get; set; }
    /// <summary>Remittance: the ledger entry posted once the file was verified (null while it is not, or when nothing was remitted).</summary>
    [Id(13)] public string? LedgerEntryId { get; set; }
}

/// <summary>
/// One service's file of one business day (see <see cref="IProviderDayGrain"/>). Each step is recorded durably before
/// the next begins and is idempotent: the file is built again from the journal (same bytes; other bytes are an error
/// and stop the run), the signature is made once, archive objects are write-once and compared when they exist, and
/// an upload of a file already at the postal authority with the same bytes is a success.
/// </summary>
public sealed class ProviderDayGrain(
    [PersistentState(stateName: "providerDay", storageName: StorageNames.Commerce)] IPersistentState<ProviderDayState> day,
    ProviderFileBuilder builder,
    ModuleCrypto crypto,
    IArchiveStore archive,
    IServiceProvider services,
    IOptions<ProviderOptions> options,
    TimeProvider clock,
    ILogger<ProviderDayGrain> logger) : Grain, IProviderDayGrain
{
    private string Service => this.GetPrimaryKeyString().Split('/')[0];
    private DateOnly Day => DateOnly.ParseExact(this.GetPrimaryKeyString().Split('/')[1], "yyyy-MM-dd");

    public static string ArchivePath(string service, DateOnly day, string fileName) => $"provider/{service}/{day:yyyy-MM-dd}/{fileName}";

    public const string SignatureSuffix = ".sig";

    public async Task<ProviderFileView> Run()
    {
        var s = day.State;
        s.Runs++;
        if (services.GetService<IPostalAuthorityTransport>() is not { } transport)
            return await FailAsync("no postal authority transport is configured (Vbi:Provider:Transport, Vbi:Provider:Sftp:Host)");

        ProviderFile file;
        try
        {
            await WaitForFeedAsync();
            file = await builder.BuildAsync(Service, Day, CancellationToken.None);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            return await FailAsync($"building the file failed: {e.Message}");
        }
        var digest = Convert.ToHexStringLower(SHA256.HashData(file.Content));
        if (s.Sha256 is { } built && built != digest)
        {
            logger.LogError("Provider {Service} {Day}: the day rebuilt to other bytes (SHA-256 {Digest}) than its file (SHA-256 {Built})", Service, Day, digest, built);
            return await FailAsync($"the day rebuilt to other bytes (SHA-256 {digest}) than its file (SHA-256 {built}); the file stands and nothing else is sent");
        }
        if (s.State < ProviderFileState.Built)
        {
            (s.FileName, s.Size, s.Sha256, s.State) = (file.Name, file.Content.Length, digest, ProviderFileState.Built);
            (s.RemittedMills, s.CarriedMills) = (file.Remittance?.RemittedMills, file.Remittance?.CarriedMills);
            await day.WriteStateAsync();
        }
        if (s.Signature is null)
        {
            s.Signature = await crypto.SignAsProviderAsync(file.Content);
            s.State = ProviderFileState.Signed;
            await day.WriteStateAsync();
        }
        if (s.State < ProviderFileState.Archived)
        {
            try
            {
                await PutOnceAsync(ArchivePath(Service, Day, file.Name), file.Content);
                await PutOnceAsync(ArchivePath(Service, Day, file.Name + SignatureSuffix), s.Signature);
            }
            catch (Exception e)
            {
                return await FailAsync($"archiving the file failed: {e.Message}");
            }
            s.State = ProviderFileState.Archived;
            await day.WriteStateAsync();
            Faults.FaultPoints.Reached(Faults.FaultPoints.ProviderArchived);
        }
        if (s.State < ProviderFileState.Verified) await TransferAsync(transport, file, s.Signature);
        if (s.State == ProviderFileState.Verified && file.Remittance is { RemittedMills: > 0 } remitted && s.LedgerEntryId is null)
            await PostRemittanceAsync(remitted.RemittedMills);
        return View();
    }

    /// <summary>
    /// The remittance's ledger entry, once its file is verified at the postal authority: DR remittance payable, CR cash,
    /// the file's credit. Idempotent by the entry id <c>remittance:{D}</c> (a repeated post is AlreadyPosted); an entry
    /// of that id with other postings is an alert and leaves the day pending.
    /// </summary>
    private async Task PostRemittanceAsync(long mills)
    {
        var s = day.State;
        var id = ProviderFileBuilder.RemittanceEntryId(Day);
        var entry = new LedgerEntry(id, ProviderFileBuilder.RemittanceKind, s.TransferredAt ?? ProviderFileBuilder.Start(Day).AddDays(1), null, null, s.FileName,
            $"Net postage of {Day:yyyy-MM-dd} remitted to the postal authority's lockbox by ACH credit ({s.FileName})",
            [Posting.Debit(LedgerAccounts.RemittancePayable, mills), Posting.Credit(LedgerAccounts.Cash, mills)]);
        LedgerPostResult result;
        try
        {
            result = await GrainFactory.GetGrain<ILedgerGrain>(0).Post(entry);
        }
        catch (Exception e)
        {
            await FailAsync($"posting {id} failed: {e.Message}");
            return;
        }
        if (result.IsSuccess)
        {
            (s.LedgerEntryId, s.LastError) = (id, null);
            await day.WriteStateAsync();
            return;
        }
        ProviderTelemetry.Alerts.Add(1, new KeyValuePair<string, object?>("alert", "remittance-posting"));
        logger.LogCritical(ProviderEvents.RemittancePostingRefused, "Provider remittance {Day}: the ledger refused {EntryId} of {Mills} mills ({Status}: {Message}); the file is sent, the day stays pending",
            Day, id, mills, result.Status, result.Message);
        await FailAsync($"the ledger refused {id} ({result.Status}: {result.Message})");
    }

    Task<ProviderFileView> IProviderDayGrain.View() => Task.FromResult(View());

    /// <summary>
    /// Sends the file and its signature: up to <see cref="ProviderRetryOptions.MaxAttempts"/> tries with backoff, each
    /// one bounded by the transport's own timeouts. A day that still fails stays pending with its attempts and error.
    /// </summary>
    private async Task TransferAsync(IPostalAuthorityTransport transport, ProviderFile file, byte[] signature)
    {
        var s = day.State;
        var retry = options.Value.Retry;
        var signatureName = file.Name + SignatureSuffix;
        for (var attempt = 1; attempt <= retry.MaxAttempts; attempt++)
        {
            s.Attempts++;
            s.LastAttemptAt = clock.GetUtcNow();
            PostalTransferResult result;
            try
            {
                result = await transport.UploadAsync(file.Name, file.Content, CancellationToken.None);
                if (result.IsSuccess) result = await transport.UploadAsync(signatureName, signature, CancellationToken.None);
                if (result.IsSuccess)
                {
                    if (s.State < ProviderFileState.Uploaded)
                    {
                        s.State = ProviderFileState.Uploaded;
                        await day.WriteStateAsync();
                    }
                    result = await transport.VerifyAsync(signatureName, signature.Length, CancellationToken.None);
                    if (result.IsSuccess) result = await transport.VerifyAsync(file.Name, file.Content.Length, CancellationToken.None);
                }
            }
            catch (Exception e)
            {
                result = PostalTransferResult.Fail(e is PostalTransferException p ? p.Error : PostalTransferError.Unreachable, e.Message);
            }
            if (result.IsSuccess)
            {
                (s.State, s.RemotePath, s.TransferredAt, s.LastError) = (ProviderFileState.Verified, result.RemotePath, clock.GetUtcNow(), null);
                await day.WriteStateAsync();
                logger.LogInformation("Provider {Service} {Day}: {File} ({Size} bytes) sent to {Transport} and verified", Service, Day, file.Name, file.Content.Length, transport.Description);
                return;
            }
            s.LastError = $"{result.Error}: {result.Message}";
            await day.WriteStateAsync();
            logger.LogWarning("Provider {Service} {Day}: transfer attempt {Attempt} of {Max} failed: {Error}", Service, Day, attempt, retry.MaxAttempts, s.LastError);
            if (attempt < retry.MaxAttempts) await Task.Delay(retry.DelayAfter(attempt), clock);
        }
    }

    /// <summary>
    /// Waits (at most <see cref="ProviderOptions.FeedWait"/>) until the provider's log feed has applied everything the
    /// log held when the run began: a closed day's records are then all in the journal.
    /// </summary>
    private async Task WaitForFeedAsync()
    {
        await WaitForFeedAsync(GrainFactory, LogFeedConsumers.Provider, options.Value.FeedWait, clock);
        // The remittance reads the ledger, which follows the log through its own feed.
        if (Service == ProviderServices.Remittance) await WaitForFeedAsync(GrainFactory, LogFeedConsumers.Ledger, options.Value.FeedWait, clock);
    }

    /// <summary>Waits (at most <paramref name="wait"/>) until a log feed consumer has applied everything the log held when the wait began.</summary>
    public static async Task WaitForFeedAsync(IGrainFactory grains, string consumer, TimeSpan wait, TimeProvider clock)
    {
        var feed = grains.GetGrain<ILogFeedGrain>(consumer);
        var status = await feed.Status();
        var began = status;
        var target = status.Head;
        var deadline = clock.GetUtcNow() + wait;
        while (!status.HasReached(began))
        {
            if (clock.GetUtcNow() >= deadline)
                throw new TimeoutException($"the {consumer} log feed is at position {status.Position}, behind the log's head {target}" +
                    (status.LastError is null ? "" : $" (its last error: {status.LastError})"));
            await Task.Delay(TimeSpan.FromMilliseconds(250), clock);
            status = await feed.Status();
        }
    }

    private async Task PutOnceAsync(string name, byte[] content)
    {
        try
        {
            await archive.PutAsync(name, content);
        }
        catch (ArchiveConflictException)
        {
            var existing = await archive.GetAsync(name);
            if (existing is null || !existing.AsSpan().SequenceEqual(content))
                throw new InvalidOperationException($"the archive holds other bytes under {name}");
        }
    }

    private async Task<ProviderFileView> FailAsync(string error)
    {
        day.State.LastError = error;
        await day.WriteStateAsync();
        logger.LogWarning("Provider {Service} {Day}: {Error}; the day stays {State}", Service, Day, error, day.State.State);
        return View();
    }

    private ProviderFileView View()
    {
        var s = day.State;
        return new ProviderFileView(Service, Day, s.State, s.FileName, s.Size, s.Sha256, s.Attempts, s.LastError, s.LastAttemptAt, s.TransferredAt,
            s.RemotePath, s.FileName is null ? null : ArchivePath(Service, Day, s.FileName), s.Runs, s.RemittedMills, s.CarriedMills, s.LedgerEntryId);
    }
}
