using VbiOrleans.Grains.Log;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>A log store that hands every call to another; a test's store overrides only what it watches or breaks.</summary>
public abstract class DelegatingLogStore(ILogStore inner) : ILogStore
{
    /// <summary>The store every call goes to.</summary>
    protected ILogStore Next { get; } = inner;

    public virtual string Description => Next.Description;
    public virtual Task AppendAsync(IReadOnlyList<PendingLogRow> rows, CancellationToken cancellationToken = default) => Next.AppendAsync(rows, cancellationToken);
    public virtual Task<IReadOnlyList<PendingLogRow>> ReadMeterAsync(string meterId, long afterSequence, CancellationToken cancellationToken = default) =>
        Next.ReadMeterAsync(meterId, afterSequence, cancellationToken);
    public virtual Task<IReadOnlyList<PendingLogRow>> ReadMeterAtAsync(string meterId, long sequence, CancellationToken cancellationToken = default) =>
        Next.ReadMeterAtAsync(meterId, sequence, cancellationToken);
    public virtual Task<IReadOnlyList<PendingLogRow>> FindPayloadAsync(string meterId, byte[] publicPayload, CancellationToken cancellationToken = default) =>
        Next.FindPayloadAsync(meterId, publicPayload, cancellationToken);
    public virtual IAsyncEnumerable<PendingLogRow> ReadAllAsync(CancellationToken cancellationToken = default) => Next.ReadAllAsync(cancellationToken);
    public virtual Task<IReadOnlyList<string>> MetersAsync(string? after, int limit, CancellationToken cancellationToken = default) =>
        Next.MetersAsync(after, limit, cancellationToken);
    public virtual Task<IReadOnlyList<UnsealedLogRow>> TakeUnsealedAsync(int limit, CancellationToken cancellationToken = default) =>
        Next.TakeUnsealedAsync(limit, cancellationToken);
    public virtual Task SealAsync(IReadOnlyList<SealedLogRow> rows, StoredCheckpoint checkpoint, CancellationToken cancellationToken = default) =>
        Next.SealAsync(rows, checkpoint, cancellationToken);
    public virtual Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken = default) => Next.LatestCheckpointAsync(cancellationToken);
    public virtual Task<StoredCheckpoint?> CheckpointAsync(long size, CancellationToken cancellationToken = default) => Next.CheckpointAsync(size, cancellationToken);
    public virtual Task<IReadOnlyList<byte[]>> LeafHashesFromAsync(long start, CancellationToken cancellationToken = default) =>
        Next.LeafHashesFromAsync(start, cancellationToken);
    public virtual Task<IReadOnlyList<byte[]>> SealedEntriesAsync(long start, long end, CancellationToken cancellationToken = default) =>
        Next.SealedEntriesAsync(start, end, cancellationToken);
    public virtual Task<long> UnsealedCountAsync(CancellationToken cancellationToken = default) => Next.UnsealedCountAsync(cancellationToken);
    public virtual Task<IReadOnlyList<CommittedLogRow>> ReadCommittedAsync(long after, int limit, CancellationToken cancellationToken = default) =>
        Next.ReadCommittedAsync(after, limit, cancellationToken);
    public virtual Task<IReadOnlyList<CommittedLogRow>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset to, long after, int limit,
        CancellationToken cancellationToken = default) => Next.ReadBetweenAsync(from, to, after, limit, cancellationToken);
    public virtual Task<IReadOnlyList<CommittedLogRow>> LatestBeforeAsync(DateTimeOffset before, string? afterMeter, int limit, IReadOnlyCollection<byte> skipKinds,
        CancellationToken cancellationToken = default) => Next.LatestBeforeAsync(before, afterMeter, limit, skipKinds, cancellationToken);
    public virtual Task<long> HeadAsync(CancellationToken cancellationToken = default) => Next.HeadAsync(cancellationToken);
    public virtual Task<long> FeedPositionAsync(string consumer, CancellationToken cancellationToken = default) => Next.FeedPositionAsync(consumer, cancellationToken);
    public virtual Task SetFeedPositionAsync(string consumer, long position, bool rewind = false, CancellationToken cancellationToken = default) =>
        Next.SetFeedPositionAsync(consumer, position, rewind, cancellationToken);
    public virtual Task<byte[]?> GetStateAsync(string name, CancellationToken cancellationToken = default) => Next.GetStateAsync(name, cancellationToken);
    public virtual Task<byte[]> SetStateAsync(string name, byte[] value, bool onlyIfAbsent = false, CancellationToken cancellationToken = default) =>
        Next.SetStateAsync(name, value, onlyIfAbsent, cancellationToken);
}
