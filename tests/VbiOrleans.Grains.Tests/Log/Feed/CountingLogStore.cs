using System.Collections.Concurrent;
using VbiOrleans.Grains.Log;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// A log store that counts what the log feed asks of it: the queries that read the log's rows or head, and how many
/// times each position was returned by <see cref="ILogStore.ReadCommittedAsync"/>. Everything goes to the inner store.
/// </summary>
public sealed class CountingLogStore(ILogStore inner) : DelegatingLogStore(inner)
{
    private int _committedReads;
    private int _headReads;

    public ILogStore Inner => Next;

    /// <summary>Per position, how many times a read of committed rows returned it.</summary>
    public ConcurrentDictionary<long, int> Returned { get; } = new();

    public int CommittedReads => Volatile.Read(ref _committedReads);
    public int HeadReads => Volatile.Read(ref _headReads);

    /// <summary>The queries the feed makes of the log itself (not its cursors): reads of committed rows and head checks.</summary>
    public int LogQueries => CommittedReads + HeadReads;

    public override async Task<IReadOnlyList<CommittedLogRow>> ReadCommittedAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _committedReads);
        var rows = await Next.ReadCommittedAsync(after, limit, cancellationToken);
        foreach (var row in rows) Returned.AddOrUpdate(row.Position, 1, (_, n) => n + 1);
        return rows;
    }

    public override Task<long> HeadAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _headReads);
        return Next.HeadAsync(cancellationToken);
    }

    public override string Description => "counting:" + Next.Description;
}
