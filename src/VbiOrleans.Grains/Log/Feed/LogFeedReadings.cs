using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>
/// The silo's shared reading of each transaction log (<see cref="LogReading"/>), one per log, used by every consumer's
/// reader on the silo: each committed record is read from the store and opened once per silo, whatever the number of
/// consumers. A singleton; a log opened later (a shard move) gets its reading when a reader first asks for it.
/// </summary>
public sealed class LogFeedReadings(IOptions<LogFeedOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<TransactionLog, LogReading> _readings = new();

    public LogReading For(TransactionLog log) =>
        _readings.GetOrAdd(log, l => new LogReading(l.Store, rows => OpenAsync(l, rows), options.Value, clock));

    private static async Task<IReadOnlyList<FeedRecord>> OpenAsync(TransactionLog log, IReadOnlyList<CommittedLogRow> rows)
    {
        if (rows.Count == 0) return [];
        var key = await log.KeyAsync();
        var records = new FeedRecord[rows.Count];
        for (var i = 0; i < rows.Count; i++) records[i] = new FeedRecord(rows[i].Position, log.Open(rows[i].Row, key));
        return records;
    }
}
