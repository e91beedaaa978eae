using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>
/// Something derived from the transaction log (docs/transaction-log.md, "The log feed"): the customer history, the
/// partners' webhooks, and later the ledger, the provider's reports and the export. A consumer is registered in the
/// silo's services (<see cref="LogFeedServices.AddLogFeedConsumer{T}"/>); the feed runs one reader for it in the
/// cluster (<see cref="LogFeedGrain"/>) and calls <see cref="ApplyAsync"/> with every committed record, in log order.
/// </summary>
public interface ILogFeedConsumer
{
    /// <summary>The consumer's name: its cursor's name and its reader's key. A new name reads the log from its start.</summary>
    string Name { get; }

    /// <summary>
    /// Applies a batch of committed records, in log order (so in sequence order per meter), every record of every
    /// kind, events included. Delivery is at least once: after a crash, a timeout or a failure the same records come
    /// again, so the effect of a record must be idempotent by (meter id, sequence). Throwing (or not finishing within
    /// <see cref="LogFeedOptions.ApplyTimeout"/>) has the batch retried with backoff; the cursor does not move past it.
    /// </summary>
    Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken);
}
