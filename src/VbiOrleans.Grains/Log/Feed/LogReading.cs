using System.Diagnostics;
using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>A committed record as the feed hands it to a reader: its position in its log, and the record, opened.</summary>
public sealed record FeedRecord(long Position, LogRecord Record);

/// <summary>
/// A silo's reading of one transaction log, shared by every consumer's reader on the silo (<see cref="LogFeedGrain"/>):
/// the log's committed rows are read from the store and opened once, and kept in a window of the latest
/// <see cref="LogFeedOptions.WindowSize"/> records from which each reader is served "the records after my cursor, at
/// most N". It is only a cache of committed rows: each reader keeps its own cursor in the store, so a silo's window can
/// never make a reader skip, repeat out of order, or disagree with another silo's.
/// </summary>
/// <remarks>
/// The window holds every committed row with a position in (start, end], in log order, and no row in that range can
/// commit later. It grows only at its end, by <see cref="ILogStore.ReadCommittedAsync"/> after its end, which stops
/// before any position an append in flight may still fill: a range with a hole that a later commit fills is never
/// served from memory. It starts at the cursor of the first reader that asks (every position up to a cursor is settled:
/// a cursor only ever moves to a position a read returned), and drops its oldest records beyond the bound.
/// <list type="bullet">
/// <item>A reader inside the window is answered from memory.</item>
/// <item>A reader at its end waits on the one read of the log's tail in flight, or starts it: a head check, then the
/// new rows if the head moved. After a read that found less than a batch, no other starts for a poll interval, so an
/// idle log costs one head check per poll interval for the whole silo, whatever the number of readers.</item>
/// <item>A reader behind the window (a rewind, a new consumer, one that fell far behind) reads the store itself,
/// without touching the window: concurrent reads of the same range share one query (single flight), and the answer
/// stops at the window's end, where the reader is caught up with the others.</item>
/// <item>A reader ahead of the window (the window is stale: nobody read this log on this silo for a while) extends it
/// with a read of the tail, or, more than a window ahead, starts the window again at its cursor.</item>
/// </list>
/// Every store query runs under <see cref="LogFeedOptions.ReadTimeout"/> and fails every reader waiting on it, each of
/// which retries with its own backoff as before.
/// </remarks>
public sealed class LogReading
{
    private readonly ILogStore _store;
    private readonly Func<IReadOnlyList<CommittedLogRow>, Task<IReadOnlyList<FeedRecord>>> _open;
    private readonly LogFeedOptions _options;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();

    // The window: (_start, _end], every committed row in it, opened, in log order. Unanchored until the first read.
    private readonly List<FeedRecord> _window = [];
    private bool _anchored;
    private long _start;
    private long _end;
    private long _head;
    private DateTimeOffset _nextTailRead;
    private Task? _tailRead;
    private (Task<long> Read, long StartedAt)? _headRead;
    private readonly Dictionary<(long After, int Limit), Task<IReadOnlyList<FeedRecord>>> _storeReads = [];

    /// <param name="store">The log's store.</param>
    /// <param name="open">Opens committed rows into records (decrypts them with the log key), in the order given.</param>
    public LogReading(ILogStore store, Func<IReadOnlyList<CommittedLogRow>, Task<IReadOnlyList<FeedRecord>>> open, LogFeedOptions options, TimeProvider clock)
    {
        (_store, _open, _options, _clock) = (store, open, options, clock);
    }

    /// <summary>The newest position this silo has seen in the log (0 before the first head check).</summary>
    public long Head
    {
        get
        {
            lock (_lock) return Math.Max(_head, _end);
        }
    }

    /// <summary>The window's extent and size now, for the tests and the logs: records in (Start, End].</summary>
    public (long Start, long End, int Count) Window
    {
        get
        {
            lock (_lock) return (_start, _end, _window.Count);
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> committed records after position <paramref name="after"/>, in log order; none when
    /// the reader is at the head (or no head check is due yet). The same contract as
    /// <see cref="ILogStore.ReadCommittedAsync"/>: a reader that moves its cursor to the last position returned skips nothing.
    /// </summary>
    public async Task<IReadOnlyList<FeedRecord>> ReadAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            Task tail;
            lock (_lock)
            {
                // First reader, or a window so stale that reaching this cursor would drop all of it anyway: start it here.
                if (!_anchored || after - _end > _options.WindowSize) Anchor(after);
                if (after >= _start && after < _end) return Serve(after, limit);
                if (after < _start) break;
                if (attempt > 0 || (_tailRead is null && _clock.GetUtcNow() < _nextTailRead))
                {
                    if (after == _end) return [];
                    break; // ahead of the window's end, which the tail read did not reach: read the store directly
                }
                tail = _tailRead ??= Task.Run(ReadTailAsync);
            }
            await tail.WaitAsync(cancellationToken);
        }
        return await ReadStoreAsync(after, limit, cancellationToken);
    }

    /// <summary>
    /// The log's head now: a head check that started at or after <paramref name="askedAt"/> (a
    /// <see cref="Stopwatch.GetTimestamp"/>) is joined, else one is started. A caller that waits for the records committed
    /// before it asked (<see cref="LogFeedStatus.HasReached"/>) never gets a head read before it asked.
    /// </summary>
    public async Task<long> HeadAsync(long askedAt, CancellationToken cancellationToken = default)
    {
        Task<long> read;
        lock (_lock)
        {
            if (_headRead is { } running && running.StartedAt >= askedAt && (!running.Read.IsCompleted || running.Read.IsCompletedSuccessfully))
            {
                read = running.Read;
            }
            else
            {
                var startedAt = Stopwatch.GetTimestamp();
                read = Task.Run(ReadHeadAsync);
                _headRead = (read, startedAt);
            }
        }
        return await read.WaitAsync(cancellationToken);
    }

    private async Task<long> ReadHeadAsync()
    {
        using var timeout = new CancellationTokenSource(_options.ReadTimeout);
        var head = await _store.HeadAsync(timeout.Token);
        lock (_lock) _head = Math.Max(_head, head);
        return head;
    }

    /// <summary>The one read of the log's tail: a head check, and the rows after the window's end if the head is past it.</summary>
    private async Task ReadTailAsync()
    {
        var quiet = true;
        try
        {
            long from;
            lock (_lock) from = _end;
            var head = await HeadAsync(Stopwatch.GetTimestamp());
            if (head <= from) return;
            using var timeout = new CancellationTokenSource(_options.ReadTimeout);
            var records = await _open(await _store.ReadCommittedAsync(from, _options.BatchSize, timeout.Token));
            lock (_lock)
            {
                // The window started again elsewhere while this read ran (a reader far ahead): what was read is not next to it.
                if (_end != from || records.Count == 0) return;
                _window.AddRange(records);
                _end = records[^1].Position;
                if (_window.Count > _options.WindowSize)
                {
                    var evicted = _window.Count - _options.WindowSize;
                    _start = _window[evicted - 1].Position;
                    _window.RemoveRange(0, evicted);
                }
                // A full batch: more rows are likely committed, so the next reader at the end reads again at once.
                quiet = records.Count < _options.BatchSize;
            }
        }
        finally
        {
            lock (_lock)
            {
                _nextTailRead = quiet ? _clock.GetUtcNow() + _options.PollInterval : DateTimeOffset.MinValue;
                _tailRead = null;
            }
        }
    }

    /// <summary>A reader outside the window reads the store; the same range asked at the same time is one query.</summary>
    private async Task<IReadOnlyList<FeedRecord>> ReadStoreAsync(long after, int limit, CancellationToken cancellationToken)
    {
        Task<IReadOnlyList<FeedRecord>> read;
        lock (_lock)
        {
            if (!_storeReads.TryGetValue((after, limit), out read!) || read.IsCompleted)
            {
                foreach (var done in _storeReads.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList()) _storeReads.Remove(done);
                read = Task.Run(async () =>
                {
                    using var timeout = new CancellationTokenSource(_options.ReadTimeout);
                    var records = await _open(await _store.ReadCommittedAsync(after, limit, timeout.Token));
                    lock (_lock)
                    {
                        // Stop at the window's end: from there the reader is served with the others.
                        if (records.Count > 0 && after < _start && records[0].Position <= _end && records[^1].Position > _end)
                            return records.TakeWhile(r => r.Position <= _end).ToList();
                    }
                    return records;
                });
                _storeReads[(after, limit)] = read;
            }
        }
        return await read.WaitAsync(cancellationToken);
    }

    private void Anchor(long position)
    {
        _window.Clear();
        _start = _end = position;
        _anchored = true;
        _nextTailRead = DateTimeOffset.MinValue;
    }

    /// <summary>The records after <paramref name="after"/> (which the window covers), at most <paramref name="limit"/>.</summary>
    private FeedRecord[] Serve(long after, int limit)
    {
        int low = 0, high = _window.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_window[middle].Position <= after) low = middle + 1;
            else high = middle;
        }
        var count = Math.Min(limit, _window.Count - low);
        var served = new FeedRecord[count];
        _window.CopyTo(low, served, 0, count);
        return served;
    }
}
