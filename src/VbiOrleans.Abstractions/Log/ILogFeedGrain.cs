namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// The log feed's reader for one consumer (key: the consumer's name, <see cref="LogFeedConsumers"/>): one activation
/// in the cluster, kept alive by a reminder. It reads committed log records in log order from the consumer's durable
/// cursor, in bounded batches, hands each batch to the consumer and then moves the cursor, so delivery is at least
/// once; a consumer that fails is retried with backoff and never holds up printing or the other consumers.
/// </summary>
public interface ILogFeedGrain : IGrainWithStringKey
{
    Task<LogFeedStatus> Status();

    /// <summary>
    /// Moves the cursor back to the start of the log: the consumer applies every record again (its effects are
    /// idempotent by meter and sequence), which rebuilds a projection such as the customer history.
    /// </summary>
    Task<LogFeedStatus> Rewind();
}

/// <summary>The feed's consumers as the silos run them: their status, and a rewind by name.</summary>
public interface ILogFeedDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Every registered consumer's status (starting its reader if it was not running).</summary>
    Task<IReadOnlyList<LogFeedStatus>> Status();

    /// <summary>Rewinds the named consumer (<see cref="ILogFeedGrain.Rewind"/>); null when no consumer has that name.</summary>
    Task<LogFeedStatus?> Rewind(string consumer);
}

/// <summary>The names of the feed's consumers (each one's cursor and reader key). A new name reads the log from its start.</summary>
public static class LogFeedConsumers
{
    public const string History = "history";
    public const string Webhooks = "webhooks";
    public const string Purchases = "purchases";
    public const string Ledger = "ledger";
    /// <summary>Label fees under each customer's plan (docs/commerce.md, "Plans, fees and invoices").</summary>
    public const string Fees = "fees";
    public const string Provider = "provider";
    /// <summary>Refunds of unused postage paid out after withdrawals (docs/commerce.md, "Refunds paid out").</summary>
    public const string Refunds = "refunds";
}

/// <summary>
/// One consumer's place in the logs: its cursor (<see cref="Position"/>, the position of the last record applied),
/// the log's head, and how far behind it is (<see cref="Lag"/> positions: records, plus any ids an append used up);
/// with several logs (a shard map), the sums over them, and each log's own in <see cref="Logs"/>.
/// <see cref="LastDelayMs"/> is the time from a record's commit to its effect, for the last batch applied;
/// <see cref="P99DelayMs"/> the 99th percentile of that time over the last records applied (up to 1,024).
/// A failing consumer shows its consecutive failures, the last error and when it is tried again.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LogFeedStatus(
    [property: Id(0)] string Consumer,
    [property: Id(1)] long Position,
    [property: Id(2)] long Head,
    [property: Id(3)] long Lag,
    [property: Id(4)] DateTimeOffset? LastAppliedAt,
    [property: Id(5)] long? LastDelayMs,
    [property: Id(6)] int ConsecutiveFailures,
    [property: Id(7)] string? LastError,
    [property: Id(8)] DateTimeOffset? RetryAt,
    [property: Id(9)] long? P99DelayMs,
    [property: Id(10)] IReadOnlyList<LogFeedCursor> Logs)
{
    /// <summary>Whether the consumer is keeping up: its last attempt succeeded.</summary>
    public bool Healthy => ConsecutiveFailures == 0;

    /// <summary>
    /// Whether this consumer has applied everything every log held when <paramref name="earlier"/> was read: log by log,
    /// its cursor at or past that log's head then (with several logs, the summed <see cref="Position"/> and
    /// <see cref="Head"/> cannot tell).
    /// </summary>
    public bool HasReached(LogFeedStatus earlier) =>
        (earlier.Logs ?? []).Count == 0
            ? Position >= earlier.Head
            : earlier.Logs!.All(then => (Logs ?? []).FirstOrDefault(l => l.Log == then.Log) is { } now && now.Position >= then.Head);
}

/// <summary>A consumer's cursor in one transaction log (<see cref="LogNames"/>), and that log's head.</summary>
[GenerateSerializer, Immutable]
public sealed record LogFeedCursor([property: Id(0)] string Log, [property: Id(1)] long Position, [property: Id(2)] long Head);
