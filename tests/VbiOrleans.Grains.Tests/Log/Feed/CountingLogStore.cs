using System.Collections.Concurrent;
using VbiOrleans.Grains.Log;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// A log store that counts what the log feed asks of it: the queries that read the log's rows or head, and how many
/// times each position was returned by <see cref="ILogStore.ReadCommittedAsync"/>. Everything goes to the inner store.
/// </summary>
public sealed class CountingLogStore(ILogStore inner) : ILogStore
{
    private int _committedReads;
    private int _headReads;

    public ILogStore Inner => inner;

    /// <summary>Per position, how many times a read of committed rows returned it.</summary>
    public ConcurrentDictionary<long, int> Returned { get; } = new();

    public int CommittedReads => Volatile.Read(ref _committedReads);
    public int HeadReads => Volatile.Read(ref _headReads);

    /// <summary>The queries the feed makes of the log itself (not its cursors): reads of committed rows and head checks.</summary>
    public int LogQueries => CommittedReads + HeadReads;

    public async Task<IReadOnlyList<CommittedLogRow>> ReadCommittedAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _committedReads);
        var rows = await inner.ReadCommittedAsync(after, limit, cancellationToken);
        foreach (var row in rows) Returned.AddOrUpdate(row.Position, 1, (_, n) => n + 1);
        return rows;
    }

    public Task<long> HeadAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _headReads);
        return inner.HeadAsync(cancellationToken);
    }

    public string Description => "counting:" + inner.Description;
    public Task AppendAsync(IReadOnlyList<PendingLogRow> rows, CancellationToken cancellationToken = default) => inner.AppendAsync(rows, cancellationToken);
    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAsync(string meterId, long afterSequence, CancellationToken cancellationToken = default) =>
        inner.ReadMeterAsync(meterId, afterSequence, cancellationToken);
    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAtAsync(string meterId, long sequence, CancellationToken cancellationToken = default) =>
        inner.ReadMeterAtAsync(meterId, sequence, cancellationToken);
    public Task<IReadOnlyList<PendingLogRow>> FindPayloadAsync(string meterId, byte[] publicPayload, CancellationToken cancellationToken = default) =>
        inner.FindPayloadAsync(meterId, publicPayload, cancellationToken);
    public IAsyncEnumerable<PendingLogRow> ReadAllAsync(CancellationToken cancellationToken = default) => inner.ReadAllAsync(cancellationToken);
    public Task<IReadOnlyList<string>> MetersAsync(string? after, int limit, CancellationToken cancellationToken = default) => inner.MetersAsync(after, limit, cancellationToken);
    public Task<IReadOnlyList<UnsealedLogRow>> TakeUnsealedAsync(int limit, CancellationToken cancellationToken = default) => inner.TakeUnsealedAsync(limit, cancellationToken);
    public Task SealAsync(IReadOnlyList<SealedLogRow> rows, StoredCheckpoint checkpoint, CancellationToken cancellationToken = default) =>
        inner.SealAsync(rows, checkpoint, cancellationToken);
    public Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken = default) => inner.LatestCheckpointAsync(cancellationToken);
    public Task<StoredCheckpoint?> CheckpointAsync(long size, CancellationToken cancellationToken = default) => inner.CheckpointAsync(size, cancellationToken);
    public Task<IReadOnlyList<byte[]>> LeafHashesFromAsync(long start, CancellationToken cancellationToken = default) => inner.LeafHashesFromAsync(start, cancellationToken);
    public Task<IReadOnlyList<byte[]>> SealedEntriesAsync(long start, long end, CancellationToken cancellationToken = default) =>
        inner.SealedEntriesAsync(start, end, cancellationToken);
    public Task<long> UnsealedCountAsync(CancellationToken cancellationToken = default) => inner.UnsealedCountAsync(cancellationToken);
    public Task<IReadOnlyList<CommittedLogRow>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset to, long after, int limit, CancellationToken cancellationToken = default) =>
        inner.ReadBetweenAsync(from, to, after, limit, cancellationToken);
    public Task<IReadOnlyList<CommittedLogRow>> LatestBeforeAsync(DateTimeOffset before, string? afterMeter, int limit, IReadOnlyCollection<byte> skipKinds,
        CancellationToken cancellationToken = default) => inner.LatestBeforeAsync(before, afterMeter, limit, skipKinds, cancellationToken);
    public Task<long> FeedPositionAsync(string consumer, CancellationToken cancellationToken = default) => inner.FeedPositionAsync(consumer, cancellationToken);
    public Task SetFeedPositionAsync(string consumer, long position, bool rewind = false, CancellationToken cancellationToken = default) =>
        inner.SetFeedPositionAsync(consumer, position, rewind, cancellationToken);
    public Task<byte[]?> GetStateAsync(string name, CancellationToken cancellationToken = default) => inner.GetStateAsync(name, cancellationToken);
    public Task<byte[]> SetStateAsync(string name, byte[] value, bool onlyIfAbsent = false, CancellationToken cancellationToken = default) =>
        inner.SetStateAsync(name, value, onlyIfAbsent, cancellationToken);
}
