using Npgsql;
using VbiOrleans.Grains.Log;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// What the log feed reads from PostgreSQL: ids are drawn before commit and commits come in any order, so a read must
/// stop before an id that may still commit (and return it later), and pass an id that never will (an append that
/// rolled back) once the sealed-through mark vouches for it. Cursors only move forward, unless rewound.
/// </summary>
public sealed class PostgresFeedReadTests : IAsyncLifetime
{
    private ScratchLogDatabase _log = null!;
    private PostgresLogStore _store = null!;

    public async Task InitializeAsync()
    {
        _log = await ScratchLogDatabase.CreateAsync("vbi_feedread");
        _store = _log.Store;
    }

    public async Task DisposeAsync() => await _log.DisposeAsync();

    private static PendingLogRow Row(long sequence) =>
        new("m-feed-pg", sequence, 2, 100, 100 * sequence, 1_000 - 100 * sequence, DateTimeOffset.UtcNow, "CM-0001", [], [(byte)sequence, 1, 2, 3]);

    private Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> OpenAppendAsync(long sequence) => _log.OpenAppendAsync(Row(sequence));

    private async Task SealAllAsync()
    {
        var rows = await _store.TakeUnsealedAsync(1000);
        var first = (await _store.LatestCheckpointAsync())?.Size ?? 0;
        await _store.SealAsync([.. rows.Select((r, i) => new SealedLogRow(r.Id, first + i, [0xE0, (byte)i], [0xA0, (byte)i]))],
            new StoredCheckpoint(first + rows.Count, [1], $"size {first + rows.Count}", [2]));
    }

    [Fact]
    public async Task A_row_committed_after_a_later_one_is_not_skipped_and_a_rolled_back_id_is_passed_once_sealed()
    {
        await _store.AppendAsync([Row(1)]);
        var (slow, slowTransaction) = await OpenAppendAsync(2); // draws id 2, commits last
        await _store.AppendAsync([Row(3)]);                     // id 3, committed first

        // The reader sees 1, and must stop there: id 2 may still commit, so reading 3 would let a cursor pass it.
        var first = await _store.ReadCommittedAsync(0, 100);
        Assert.Equal([1L], first.Select(r => r.Row.Sequence));
        var cursor = first[^1].Position;
        Assert.Empty(await _store.ReadCommittedAsync(cursor, 100));

        await slowTransaction.CommitAsync();
        await slow.DisposeAsync();
        var next = await _store.ReadCommittedAsync(cursor, 100);
        Assert.Equal([2L, 3L], next.Select(r => r.Row.Sequence));
        cursor = next[^1].Position;

        // An append that rolls back leaves an id that never commits: the read waits at it until the sealer's mark
        // (set under the lock that waits for every append in flight) is past it, then goes on.
        var (failed, failedTransaction) = await OpenAppendAsync(4);
        await failedTransaction.RollbackAsync();
        await failed.DisposeAsync();
        await _store.AppendAsync([Row(5)]);
        Assert.Empty(await _store.ReadCommittedAsync(cursor, 100));
        await SealAllAsync();
        var after = await _store.ReadCommittedAsync(cursor, 100);
        Assert.Equal([5L], after.Select(r => r.Row.Sequence));
        Assert.Equal(await _store.HeadAsync(), after[^1].Position);

        // Bounded: the limit holds, and the next read continues where the last one stopped.
        var one = await _store.ReadCommittedAsync(0, 1);
        Assert.Single(one);
        Assert.Equal([2L, 3L, 5L], (await _store.ReadCommittedAsync(one[0].Position, 100)).Select(r => r.Row.Sequence));
    }

    [Fact]
    public async Task A_cursor_never_moves_back_unless_rewound()
    {
        Assert.Equal(0, await _store.FeedPositionAsync("history"));
        await _store.SetFeedPositionAsync("history", 40);
        await _store.SetFeedPositionAsync("history", 25); // a second reader that lagged behind, in a failover
        Assert.Equal(40, await _store.FeedPositionAsync("history"));
        Assert.Equal(0, await _store.FeedPositionAsync("webhooks"));
        await _store.SetFeedPositionAsync("history", 0, rewind: true);
        Assert.Equal(0, await _store.FeedPositionAsync("history"));
    }
}
