using System.Runtime.CompilerServices;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// The Local profile's log: in process memory, like the rest of that profile's state. Every operation the print path
/// and the sealer use costs the same however long the log has grown, so a host that runs for days keeps its speed
/// and never holds the lock long: rows are kept in arrival order, the sealed ones are always the oldest (the sealer
/// takes the oldest unsealed rows and seals them in order, so leaf <c>i</c> is row <c>i</c>), and each meter's rows
/// are indexed by meter.
/// </summary>
public sealed class MemoryLogStore : ILogStore
{
    private readonly Lock _lock = new();
    private readonly List<PendingLogRow> _rows = [];
    // The sealed prefix of _rows: entry and leaf hash of leaf i, which is row i.
    private readonly List<byte[]> _entries = [];
    private readonly List<byte[]> _leafHashes = [];
    private readonly Dictionary<string, List<int>> _meterRows = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, StoredCheckpoint> _checkpoints = [];
    private readonly Dictionary<string, byte[]> _state = [];
    private readonly Dictionary<string, long> _feed = new(StringComparer.Ordinal);

    public string Description => "memory";

    public Task AppendAsync(IReadOnlyList<PendingLogRow> rows, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var row in rows)
            {
                if (!_meterRows.TryGetValue(row.MeterId, out var positions)) _meterRows[row.MeterId] = positions = [];
                positions.Add(_rows.Count);
                _rows.Add(row);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAsync(string meterId, long afterSequence, CancellationToken cancellationToken = default) =>
        Task.FromResult(MeterRows(meterId, r => r.Sequence > afterSequence));

    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAtAsync(string meterId, long sequence, CancellationToken cancellationToken = default) =>
        Task.FromResult(MeterRows(meterId, r => r.Sequence == sequence));

    public Task<IReadOnlyList<PendingLogRow>> FindPayloadAsync(string meterId, byte[] publicPayload, CancellationToken cancellationToken = default) =>
        Task.FromResult(MeterRows(meterId, r => r.PublicPayload.Length > 0 && r.PublicPayload.AsSpan().SequenceEqual(publicPayload)));

    /// <summary>A meter's rows that <paramref name="match"/>, in arrival order.</summary>
    private IReadOnlyList<PendingLogRow> MeterRows(string meterId, Func<PendingLogRow, bool> match)
    {
        lock (_lock)
        {
            if (!_meterRows.TryGetValue(meterId, out var positions)) return [];
            var found = new List<PendingLogRow>();
            foreach (var position in positions)
            {
                if (match(_rows[position])) found.Add(_rows[position]);
            }
            return found;
        }
    }

    public async IAsyncEnumerable<PendingLogRow> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        PendingLogRow[] copy;
        lock (_lock) copy = [.. _rows];
        foreach (var row in copy)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
        await Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> MetersAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<string>>([.. _meterRows.Keys
                .Where(m => after is null || string.CompareOrdinal(m, after) > 0).Order(StringComparer.Ordinal).Take(limit)]);
    }

    public Task<IReadOnlyList<UnsealedLogRow>> TakeUnsealedAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var first = _entries.Count;
            var count = Math.Min(limit, _rows.Count - first);
            var taken = new UnsealedLogRow[count];
            for (var i = 0; i < count; i++) taken[i] = new UnsealedLogRow(first + i, _rows[first + i]);
            return Task.FromResult<IReadOnlyList<UnsealedLogRow>>(taken);
        }
    }

    /// <summary>Rows must be sealed oldest first, each as the next leaf; anything else is refused and changes nothing.</summary>
    public Task SealAsync(IReadOnlyList<SealedLogRow> rows, StoredCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var next = _entries.Count + i;
                if (rows[i].Id >= _rows.Count) throw new InvalidOperationException($"log row {rows[i].Id} does not exist");
                if (rows[i].Id < _entries.Count) throw new InvalidOperationException($"log row {rows[i].Id} is already sealed");
                if (rows[i].Id != next || rows[i].LeafIndex != next)
                {
                    throw new InvalidOperationException($"log row {rows[i].Id} as leaf {rows[i].LeafIndex}: the next row to seal is {next}, as leaf {next}");
                }
            }
            foreach (var row in rows)
            {
                _entries.Add(row.Entry);
                _leafHashes.Add(row.LeafHash);
            }
            _checkpoints[checkpoint.Size] = checkpoint;
        }
        return Task.CompletedTask;
    }

    public Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_checkpoints.Count == 0 ? null : _checkpoints.Last().Value);
    }

    public Task<StoredCheckpoint?> CheckpointAsync(long size, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_checkpoints.GetValueOrDefault(size));
    }

    public Task<IReadOnlyList<byte[]>> SealedEntriesAsync(long start, long end, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(Range(_entries, start, end));
    }

    public Task<IReadOnlyList<byte[]>> LeafHashesFromAsync(long start, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(Range(_leafHashes, start, long.MaxValue));
    }

    /// <summary>The items of <paramref name="list"/> with index in [start, end).</summary>
    private static IReadOnlyList<byte[]> Range(List<byte[]> list, long start, long end)
    {
        var from = (int)Math.Clamp(start, 0, list.Count);
        var to = (int)Math.Clamp(end, from, list.Count);
        return list.GetRange(from, to - from);
    }

    public Task<long> UnsealedCountAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult((long)(_rows.Count - _entries.Count));
    }

    /// <remarks>Appends are visible whole, in arrival order, under the lock: row <c>i</c> is at position <c>i + 1</c>.</remarks>
    public Task<IReadOnlyList<CommittedLogRow>> ReadCommittedAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var first = (int)Math.Clamp(after, 0, _rows.Count);
            var count = Math.Clamp(limit, 0, _rows.Count - first);
            var rows = new CommittedLogRow[count];
            for (var i = 0; i < count; i++) rows[i] = new CommittedLogRow(first + i + 1, _rows[first + i]);
            return Task.FromResult<IReadOnlyList<CommittedLogRow>>(rows);
        }
    }

    public Task<IReadOnlyList<CommittedLogRow>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset to, long after, int limit,
        CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var rows = new List<CommittedLogRow>();
            for (var i = (int)Math.Clamp(after, 0, _rows.Count); i < _rows.Count && rows.Count < limit; i++)
            {
                if (_rows[i].At >= from && _rows[i].At < to) rows.Add(new CommittedLogRow(i + 1, _rows[i]));
            }
            return Task.FromResult<IReadOnlyList<CommittedLogRow>>(rows);
        }
    }

    public Task<IReadOnlyList<CommittedLogRow>> LatestBeforeAsync(DateTimeOffset before, string? afterMeter, int limit, IReadOnlyCollection<byte> skipKinds,
        CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var rows = new List<CommittedLogRow>();
            foreach (var meter in _meterRows.Keys.Where(m => afterMeter is null || string.CompareOrdinal(m, afterMeter) > 0).Order(StringComparer.Ordinal))
            {
                if (rows.Count == limit) break;
                var latest = _meterRows[meter].Where(p => _rows[p].At < before && !skipKinds.Contains(_rows[p].Kind))
                    .OrderByDescending(p => _rows[p].Sequence).ThenByDescending(p => p).DefaultIfEmpty(-1).First();
                if (latest >= 0) rows.Add(new CommittedLogRow(latest + 1, _rows[latest]));
            }
            return Task.FromResult<IReadOnlyList<CommittedLogRow>>(rows);
        }
    }

    public Task<long> HeadAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult((long)_rows.Count);
    }

    public Task<long> FeedPositionAsync(string consumer, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_feed.GetValueOrDefault(consumer));
    }

    public Task SetFeedPositionAsync(string consumer, long position, bool rewind = false, CancellationToken cancellationToken = default)
    {
        lock (_lock) _feed[consumer] = rewind ? position : Math.Max(position, _feed.GetValueOrDefault(consumer));
        return Task.CompletedTask;
    }

    public Task<byte[]?> GetStateAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_state.GetValueOrDefault(name));
    }

    public Task<byte[]> SetStateAsync(string name, byte[] value, bool onlyIfAbsent = false, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (onlyIfAbsent && _state.TryGetValue(name, out var existing)) return Task.FromResult(existing);
            _state[name] = value;
            return Task.FromResult(value);
        }
    }
}
