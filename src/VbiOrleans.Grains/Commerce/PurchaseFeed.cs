using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Log.Feed;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// Settles purchases from the log (docs/commerce.md): every durable PVD that carries a purchase id has its purchase
/// settled (the card charge captured, the ACH debit queued). <see cref="IPurchaseGrain.Settle"/> is idempotent, so a
/// batch delivered again settles nothing twice; a capture that fails throws, and the feed delivers the batch again
/// with backoff while printing goes on.
/// </summary>
public sealed class PurchaseFeed(IGrainFactory grains, ILogger<PurchaseFeed> logger) : ILogFeedConsumer
{
    public string Name => LogFeedConsumers.Purchases;

    public async Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        var settles = new List<Task<PurchaseResult>>();
        foreach (var record in records)
        {
            if (record.Change.IsEvent || record.Change.Command is not PostageValueDownloadCommand pvd) continue;
            if (!PurchaseIds.IsWellFormed(pvd.PaymentReference))
            {
                // Only a silo with AcceptUnpaidPvds (test mode) lets such a PVD through; the ledger posts it apart.
                logger.LogWarning("Meter {MeterId}: the PVD at sequence {Sequence} names no purchase", record.MeterId, record.Sequence);
                continue;
            }
            settles.Add(grains.GetGrain<IPurchaseGrain>(pvd.PaymentReference).Settle(record.MeterId, record.Sequence));
        }
        await Task.WhenAll(settles);
    }
}
