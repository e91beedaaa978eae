using Npgsql;
using VbiOrleans.Grains.Log;

namespace VbiOrleans.Grains.Tests.Log;

/// <summary>
/// The sealed-through mark against real PostgreSQL: rows are never updated, so the mark must never pass a row that
/// an append still has in flight (ids are drawn before commit, and commits come in any order), and must skip ids
/// whose append rolled back. A second sealer over the same rows fails.
/// </summary>
public sealed class PostgresLogStoreTests : IAsyncLifetime
{
    private ScratchLogDatabase _log = null!;
    private PostgresLogStore _store = null!;

    public async Task InitializeAsync()
    {
        _log = await ScratchLogDatabase.CreateAsync("vbi_logstore");
        _store = _log.Store;
    }

    public async Task DisposeAsync() => await _log.DisposeAsync();

    private static PendingLogRow Row(long sequence) =>
        new("VBI-T-0001", sequence, 4, 100, 100 * sequence, 1_000 - 100 * sequence, DateTimeOffset.UtcNow, "M1", [], [(byte)sequence, 1, 2, 3]);

    private Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> OpenAppendAsync(long sequence) => _log.OpenAppendAsync(Row(sequence));

    private async Task SealAsync(IReadOnlyList<UnsealedLogRow> rows, long firstLeaf) =>
        await _store.SealAsync([.. rows.Select((r, i) => new SealedLogRow(r.Id, firstLeaf + i, [0xE0, (byte)i], [0xA0, (byte)i]))],
            new StoredCheckpoint(firstLeaf + rows.Count, [1], $"size {firstLeaf + rows.Count}", [2]));

    [Fact]
    public async Task The_sealer_waits_for_an_append_in_flight_and_seals_every_row_once_in_id_order()
    {
        var (slow, slowTransaction) = await OpenAppendAsync(1);
        await _store.AppendAsync([Row(2)]);

        // The later append is committed, the earlier one is not: the sealer must not take the later one alone.
        var take = _store.TakeUnsealedAsync(100);
        await Task.Delay(500);
        Assert.False(take.IsCompleted, "the sealer read the log while an append with a smaller id was still in flight");
        await slowTransaction.CommitAsync();
        await slow.DisposeAsync();

        var taken = await take;
        Assert.Equal([1L, 2L], taken.Select(r => r.Row.Sequence));
        Assert.True(taken[0].Id < taken[1].Id);
        await SealAsync(taken, 0);
        Assert.Equal(0, await _store.UnsealedCountAsync());
        Assert.Empty(await _store.TakeUnsealedAsync(100));
        Assert.Equal([[0xE0, 0], [0xE0, 1]], await _store.SealedEntriesAsync(0, 2));
        Assert.Equal([[0xA0, 0], [0xA0, 1]], await _store.LeafHashesFromAsync(0));

        // A second sealer holding the same rows (a duplicate activation) is refused, and changes nothing.
        await Assert.ThrowsAsync<InvalidOperationException>(() => SealAsync(taken, 2));
        Assert.Equal(2, (await _store.LeafHashesFromAsync(0)).Count);

        // The rows themselves are as appended: read back with their records, not rewritten by the seal.
        var records = await _store.ReadMeterAsync("VBI-T-0001", 0);
        Assert.Equal([[1, 1, 2, 3], [2, 1, 2, 3]], records.Select(r => r.Record));
        Assert.All(records, r => Assert.Null(r.EntryIndex));
    }

    [Fact]
    public async Task An_append_that_rolls_back_leaves_a_gap_the_mark_passes_over()
    {
        var (failed, failedTransaction) = await OpenAppendAsync(1);
        await _store.AppendAsync([Row(2), Row(3)]);
        await failedTransaction.RollbackAsync();
        await failed.DisposeAsync();

        var taken = await _store.TakeUnsealedAsync(1);
        Assert.Equal([2L], taken.Select(r => r.Row.Sequence));
        await SealAsync(taken, 0);
        Assert.Equal(1, await _store.UnsealedCountAsync());

        var rest = await _store.TakeUnsealedAsync(100);
        Assert.Equal([3L], rest.Select(r => r.Row.Sequence));
        await SealAsync(rest, 1);
        Assert.Equal(0, await _store.UnsealedCountAsync());
    }
}
