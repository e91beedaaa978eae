using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VbiOrleans.Grains.Telemetry;

/// <summary>Our own meter and activity source, both named <c>VbiOrleans</c>; the host exports them with Orleans's.</summary>
public static class VbiTelemetry
{
    public const string Name = "VbiOrleans";

    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Counter<long> ModulesRegistered =
        Meter.CreateCounter<long>("vbi.modules.registered", description: "Crypto modules added to the module table");

    public static readonly Counter<long> ModuleTransactions =
        Meter.CreateCounter<long>("vbi.modules.transactions", description: "PSD transactions recorded in the module table");

    /// <summary>Tagged <c>reason</c>: the <see cref="Domain.Checkpoints.InhibitCause"/> name.</summary>
    public static readonly Counter<long> Inhibits =
        Meter.CreateCounter<long>("vbi.meters.inhibited", description: "Meters inhibited by the checkpoint protocol, by reason");

    /// <summary>The alert for an inhibited meter: logged at Critical under this id, which never changes.</summary>
    public static readonly Microsoft.Extensions.Logging.EventId MeterInhibitedEvent = new(1601, "MeterInhibited");

    /// <summary>PVD and printing stopped system-wide by the guard (too many inhibits in the window): Critical, under this id.</summary>
    public static readonly Microsoft.Extensions.Logging.EventId SystemStoppedEvent = new(1602, "SystemStopped");

    /// <summary>PVD and printing stopped system-wide by an operator: Critical, under this id.</summary>
    public static readonly Microsoft.Extensions.Logging.EventId SystemStoppedByOperatorEvent = new(1603, "SystemStoppedByOperator");

    /// <summary>PVD and printing resumed by an operator: Warning, under this id.</summary>
    public static readonly Microsoft.Extensions.Logging.EventId SystemResumedEvent = new(1604, "SystemResumed");

    public static readonly Counter<long> Rollbacks =
        Meter.CreateCounter<long>("vbi.modules.rollbacks", description: "Unreleased transactions rolled back from module memory");

    public static readonly Counter<long> MeterCommands =
        Meter.CreateCounter<long>("vbi.meters.commands", description: "PSD commands committed, by kind");

    public static readonly Counter<long> CommandsRefused =
        Meter.CreateCounter<long>("vbi.commands.refused", description: "Commands refused with a named error, by code");

    public static readonly Counter<long> RollForwards =
        Meter.CreateCounter<long>("vbi.meters.rolled_forward", description: "Transactions replayed from the log into a postal row that was behind");

    public static readonly Counter<long> ModuleMemoryReseeds =
        Meter.CreateCounter<long>("vbi.module.memory_reseeded", description: "Meters whose module memory was behind the log (a restored module database) and took its checkpoints from the log");

    public static readonly Histogram<int> GrainStateBatchSize =
        Meter.CreateHistogram<int>("vbi.storage.batch_size", unit: "{write}", description: "Grain-state writes committed together in one transaction, by store");

    public static readonly Counter<long> LogAppended =
        Meter.CreateCounter<long>("vbi.log.appended", description: "Transactions appended to the transaction log");

    public static readonly Counter<long> LogShipFailures =
        Meter.CreateCounter<long>("vbi.log.ship_failures", description: "Attempts to ship log segments to the archive that failed (kept, retried)");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _archiveLag = new(StringComparer.Ordinal);

    /// <summary>A log's entries not yet in the archive (sealed but unshipped, plus appended but unsealed), as its sealer last saw it.</summary>
    public static void ReportArchiveLag(string log, long entries) => _archiveLag[log] = entries;

    public static readonly ObservableGauge<long> ArchiveLag =
        Meter.CreateObservableGauge("vbi.log.archive_lag", () => _archiveLag.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("log", kv.Key))),
            unit: "{entry}", description: "Transaction-log entries committed but not yet shipped to the archive, by log");

    public static readonly Counter<long> Purchases =
        Meter.CreateCounter<long>("vbi.purchases", description: "Purchases by outcome: authorized, settled, released, and each refusal");

    public static readonly Counter<long> PurchaseAlerts =
        Meter.CreateCounter<long>("vbi.purchases.alerts", description: "Postage and payment that disagree (a PVD without its payment, an authorization never answered), by alert");

    public static readonly Microsoft.Extensions.Logging.EventId PvdWithoutPurchaseEvent = new(2001, "PvdWithoutPurchase");
    public static readonly Microsoft.Extensions.Logging.EventId PurchaseUnresolvedEvent = new(2002, "PurchaseUnresolved");

    public static readonly Counter<long> FeedApplied =
        Meter.CreateCounter<long>("vbi.feed.applied", unit: "{record}", description: "Log records applied by a log feed consumer, by consumer");

    public static readonly Counter<long> FeedFailures =
        Meter.CreateCounter<long>("vbi.feed.failures", description: "Batches a log feed consumer failed to apply (retried with backoff), by consumer");

    public static readonly Histogram<double> FeedDelay =
        Meter.CreateHistogram<double>("vbi.feed.delay", unit: "ms", description: "Time from a log record's commit to its effect, by consumer");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _feedLag = new(StringComparer.Ordinal);

    /// <summary>How many log positions a consumer's cursor is behind the log's head, as its reader last saw it.</summary>
    public static void ReportFeedLag(string consumer, long positions) => _feedLag[consumer] = positions;

    public static readonly ObservableGauge<long> FeedLag =
        Meter.CreateObservableGauge("vbi.feed.lag", () => _feedLag.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("consumer", kv.Key))),
            unit: "{record}", description: "Transaction-log records committed but not yet applied by a log feed consumer, by consumer");
}
