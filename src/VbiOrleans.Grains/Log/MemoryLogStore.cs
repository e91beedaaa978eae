using System.Runtime.CompilerServices;

namespace VbiOrleans.Grains.Log;

/// <summary>The Local profile's log: in process memory, like the rest of that profile's state.</summary>
public sealed class MemoryLogStore : ILogStore
{
    private readonly Lock _lock = new();
    private readonly List<(PendingLogRow Row, long? LeafIndex, byte[]? Entry, byte[]? LeafHash)> _rows = [];
    private readonly SortedDictionary<long, StoredCheckpoint> _checkpoints = [];
    private readonly Dictionary<string, byte[]> _state = [];

    public string Description => "memory";

    public Task AppendAsync(IReadOnlyList<PendingLogRow> rows, CancellationToken cancellationToken = default)
    {
        lock (_lock) _rows.AddRange(rows.Select(r => (r, (long?)null, (byte[]?)null, (byte[]?)null)));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAsync(string meterId, long afterSequence, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<PendingLogRow>>([.. _rows.Select(r => r.Row).Where(r => r.MeterId == meterId && r.Sequence > afterSequence)]);
    }

    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAtAsync(string meterId, long sequence, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<PendingLogRow>>([.. _rows.Select(r => r.Row).Where(r => r.MeterId == meterId && r.Sequence == sequence)]);
    }

    public Task<IReadOnlyList<PendingLogRow>> FindPayloadAsync(string meterId, byte[] publicPayload, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<PendingLogRow>>([.. _rows.Select(r => r.Row)
                .Where(r => r.MeterId == meterId && r.PublicPayload.Length > 0 && r.PublicPayload.AsSpan().SequenceEqual(publicPayload))]);
    }

    public async IAsyncEnumerable<PendingLogRow> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        PendingLogRow[] copy;
        lock (_lock) copy = [.. _rows.Select(r => r.Row)];
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
            return Task.FromResult<IReadOnlyList<string>>([.. _rows.Select(r => r.Row.MeterId).Distinct()
                .Where(m => after is null || string.CompareOrdinal(m, after) > 0).Order(StringComparer.Ordinal).Take(limit)]);
    }

    public Task<IReadOnlyList<UnsealedLogRow>> TakeUnsealedAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<UnsealedLogRow>>([.. _rows.Select((r, i) => (r, i)).Where(x => x.r.LeafIndex is null).Take(limit)
                .Select(x => new UnsealedLogRow(x.i, x.r.Row))]);
    }

    public Task SealAsync(IReadOnlyList<SealedLogRow> rows, StoredCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var sealedRow in rows)
            {
                var (row, leaf, _, _) = _rows[(int)sealedRow.Id];
                if (leaf is not null) throw new InvalidOperationException($"log row {sealedRow.Id} is already sealed");
                _rows[(int)sealedRow.Id] = (row, sealedRow.LeafIndex, sealedRow.Entry, sealedRow.LeafHash);
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
        lock (_lock)
            return Task.FromResult<IReadOnlyList<byte[]>>([.. _rows.Where(r => r.LeafIndex >= start && r.LeafIndex < end)
                .OrderBy(r => r.LeafIndex).Select(r => r.Entry!)]);
    }

    public Task<IReadOnlyList<byte[]>> LeafHashesFromAsync(long start, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<byte[]>>([.. _rows.Where(r => r.LeafIndex >= start).OrderBy(r => r.LeafIndex).Select(r => r.LeafHash!)]);
    }

    public Task<long> UnsealedCountAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult((long)_rows.Count(r => r.LeafIndex is null));
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
