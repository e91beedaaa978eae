using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Ledger;

namespace VbiOrleans.Grains.Commerce;

/// <summary>The ledger's settings (section <c>Vbi:Ledger</c>).</summary>
public sealed class LedgerOptions
{
    public const string Section = "Vbi:Ledger";

    /// <summary>At most this many meters' live registers are read by one reconciliation (the rest are compared through the log only).</summary>
    public int ReconciliationLiveChecks { get; set; } = 10_000;

    /// <summary>At most this many meters' live registers are read at once.</summary>
    public int ReconciliationParallelism { get; set; } = 16;
}

/// <summary>
/// The postage-funds reconciliation (<see cref="IPostageFundsGrain"/>). The ledger follows the log asynchronously, so
/// L1 is computed at the ledger's own log position: the balances and the meters' DR come from one snapshot of the
/// ledger store, where the log-feed consumer writes each batch's entries and the meters' registers after it in one
/// transaction (no waiting for the feed, and no false difference while it is behind). The meters' live registers are
/// then compared with that DR wherever a meter is still at the sequence the ledger applied: the log and the meter
/// must agree there.
/// </summary>
[StatelessWorker]
public sealed class PostageFundsGrain(ILedgerStore store, IOptions<LedgerOptions> options, TimeProvider clock, ILogger<PostageFundsGrain> logger)
    : Grain, IPostageFundsGrain
{
    public async Task<PostageFundsReport> Reconcile()
    {
        var status = await GrainFactory.GetGrain<ILogFeedGrain>(LogFeedConsumers.Ledger).Status();
        var snapshot = await store.PostageFundsAsync();
        var customers = snapshot.Meters.Select(m => m.CustomerId)
            .Concat(snapshot.Balances.Keys.Select(a => ChartOfAccounts.CustomerOf(a)!))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var metersOf = snapshot.Meters.ToLookup(m => m.CustomerId, StringComparer.Ordinal);
        var rows = new List<CustomerPostageFunds>(customers.Count);
        foreach (var customer in customers)
        {
            var held = snapshot.Balances.GetValueOrDefault(ChartOfAccounts.PostageFundsHeld(customer));
            var refunds = snapshot.Balances.GetValueOrDefault(ChartOfAccounts.RefundsPayable(customer));
            var dr = metersOf[customer].Sum(m => m.DescendingMills);
            var difference = L1.Check(customer, held, refunds, dr);
            rows.Add(new CustomerPostageFunds(customer, -held - refunds, dr, -refunds, difference, metersOf[customer].Count()));
            if (difference != 0)
            {
                LedgerTelemetry.L1Differences.Add(1, new KeyValuePair<string, object?>("found", "customer"));
                logger.LogError(LedgerEvents.L1Difference,
                    "ALERT L1 difference for customer {CustomerId}: postage funds held {Held} mills, sum of DR {Descending} mills, refunds payable {Refunds} mills, difference {Difference} mills at log position {Position}",
                    customer, -held - refunds, dr, -refunds, difference, status.Position);
            }
        }

        var (compared, ahead, disagreements) = await CompareLiveAsync(snapshot.Meters);
        return new PostageFundsReport(clock.GetUtcNow(), status.Position, status.Head, rows,
            rows.Sum(r => r.PostageFundsHeldMills), rows.Sum(r => r.SumOfDescendingMills), rows.Sum(r => r.RefundsPayableMills),
            rows.Sum(r => r.DifferenceMills), compared, ahead, disagreements);
    }

    private async Task<(int Compared, int Ahead, IReadOnlyList<MeterRegistersDisagreement> Disagreements)> CompareLiveAsync(IReadOnlyList<LedgerMeterRegisters> meters)
    {
        var o = options.Value;
        var chosen = meters.Take(Math.Max(0, o.ReconciliationLiveChecks)).ToList();
        // In chunks on the grain's own turn (grain calls need its context, which Parallel's threads do not carry).
        var live = new List<MeterSnapshot?>(chosen.Count);
        foreach (var chunk in chosen.Chunk(Math.Max(1, o.ReconciliationParallelism)))
            live.AddRange(await Task.WhenAll(chunk.Select(m => GrainFactory.GetGrain<IMeterGrain>(m.MeterId).Snapshot())));
        int compared = 0, ahead = 0;
        var disagreements = new List<MeterRegistersDisagreement>();
        for (var i = 0; i < chosen.Count; i++)
        {
            var logged = chosen[i];
            if (live[i] is not { IsInhibited: false, Registers: var registers }) continue; // an inhibited meter is the recovery matrix's business
            if (registers.Sequence > logged.Sequence)
            {
                ahead++;
                continue;
            }
            compared++;
            if (registers.Sequence == logged.Sequence && registers.DescendingMills == logged.DescendingMills) continue;
            LedgerTelemetry.L1Differences.Add(1, new KeyValuePair<string, object?>("found", "meter"));
            disagreements.Add(new MeterRegistersDisagreement(logged.MeterId, logged.CustomerId, logged.Sequence, logged.DescendingMills, registers.DescendingMills));
            logger.LogError(LedgerEvents.RegistersDisagree,
                "ALERT meter {MeterId} shows DR {Live} mills at sequence {LiveSequence}; the log the ledger applied has DR {Logged} mills at sequence {Sequence}",
                logged.MeterId, registers.DescendingMills, registers.Sequence, logged.DescendingMills, logged.Sequence);
        }
        return (compared, ahead, disagreements);
    }
}
