using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using VbiOrleans.Abstractions.Commerce;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// The ledger (<see cref="ILedgerGrain"/>): a stateless worker over the store, so any silo posts and reads; the
/// store's primary key on the entry id makes a post idempotent wherever it runs.
/// </summary>
[StatelessWorker]
public sealed class LedgerGrain(ILedgerStore store, ILogger<LedgerGrain> logger) : Grain, ILedgerGrain
{
    /// <summary>The most entries one read returns.</summary>
    public const int MaxEntriesPerRead = 1000;

    public async Task<LedgerPostResult> Post(LedgerEntry entry)
    {
        var result = (await store.PostAsync([entry], []))[0];
        if (result.Status == LedgerPostStatus.Posted) LedgerTelemetry.EntriesPosted.Add(1, new KeyValuePair<string, object?>("kind", entry.Kind));
        if (result.Status != LedgerPostStatus.Conflict) return result;
        LedgerTelemetry.Conflicts.Add(1);
        logger.LogError(LedgerEvents.EntryConflict, "Ledger entry {EntryId} ({Kind}) was posted before with other postings; nothing written", entry.Id, entry.Kind);
        return result;
    }

    public Task<long> Balance(string account) => store.BalanceAsync(account);

    public async Task<TrialBalance> TrialBalance()
    {
        var totals = await store.TotalsAsync();
        return new TrialBalance(totals, totals.Sum(t => t.DebitMills), totals.Sum(t => t.CreditMills));
    }

    public Task<IReadOnlyList<LedgerEntry>> EntriesOf(string customerId, DateTimeOffset from, DateTimeOffset to, int limit) =>
        store.EntriesOfAsync(customerId, from, to, Math.Clamp(limit, 1, MaxEntriesPerRead));

    public Task<LedgerEntry?> Find(string entryId) => store.FindAsync(entryId);

    public Task<IReadOnlyList<AccountPosting>> PostingsOf(string account, DateTimeOffset from, DateTimeOffset to, string? afterEntryId, int limit) =>
        store.PostingsOfAsync(account, from, to, afterEntryId, Math.Clamp(limit, 1, MaxEntriesPerRead));

    public Task<AccountMovement> Movement(string account, DateTimeOffset from, DateTimeOffset to) => store.MovementAsync(account, from, to);
}

/// <summary>The ledger's log events, with ids that stay the same so alerting can match them.</summary>
public static class LedgerEvents
{
    /// <summary>An entry id posted again with other postings: a bug or a changed input, never written (Error).</summary>
    public static readonly EventId EntryConflict = new(2040, "LedgerEntryConflict");

    /// <summary>A PVD whose payment reference names no purchase: posted to card clearing (Warning).</summary>
    public static readonly EventId PvdWithoutPurchase = new(2041, "LedgerPvdWithoutPurchase");

    /// <summary>An L1 difference found by the postage-funds reconciliation: an alert (Error).</summary>
    public static readonly EventId L1Difference = new(2042, "LedgerL1Difference");

    /// <summary>A meter's live registers disagree with the log at the same sequence (Error).</summary>
    public static readonly EventId RegistersDisagree = new(2043, "LedgerRegistersDisagree");

    /// <summary>A money-moving record of a meter with no customer: posted to the <c>unowned</c> holder (Warning).</summary>
    public static readonly EventId MeterWithoutCustomer = new(2044, "LedgerMeterWithoutCustomer");
}

/// <summary>The ledger's metrics, on the service's meter (<c>VbiOrleans</c>).</summary>
public static class LedgerTelemetry
{
    public static readonly System.Diagnostics.Metrics.Counter<long> EntriesPosted =
        Telemetry.VbiTelemetry.Meter.CreateCounter<long>("vbi.ledger.entries_posted", description: "Ledger entries written (not those already posted), by kind");

    public static readonly System.Diagnostics.Metrics.Counter<long> Conflicts =
        Telemetry.VbiTelemetry.Meter.CreateCounter<long>("vbi.ledger.conflicts", description: "Entry ids posted again with other postings (never written)");

    public static readonly System.Diagnostics.Metrics.Counter<long> PvdsWithoutPurchase =
        Telemetry.VbiTelemetry.Meter.CreateCounter<long>("vbi.ledger.pvds_without_purchase", description: "PVDs whose payment reference names no purchase, posted to card clearing");

    public static readonly System.Diagnostics.Metrics.Counter<long> L1Differences =
        Telemetry.VbiTelemetry.Meter.CreateCounter<long>("vbi.ledger.l1_differences", description: "Differences found by the postage-funds reconciliation: customers whose L1 does not hold (found=customer), meters whose live registers disagree with the log (found=meter)");
}
