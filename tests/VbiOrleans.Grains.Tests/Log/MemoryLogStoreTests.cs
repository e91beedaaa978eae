using VbiOrleans.Grains.Log;

namespace VbiOrleans.Grains.Tests.Log;

/// <summary>
/// The Local profile's log store: what it answers, and that sealing runs oldest first, one leaf per row, with
/// anything else refused before it changes a thing.
/// </summary>
public sealed class MemoryLogStoreTests
{
    private static PendingLogRow Row(string meter, long sequence, byte[]? payload = null) =>
        new(meter, sequence, 4, 100, 100 * sequence, 1_000 - 100 * sequence, DateTimeOffset.UnixEpoch.AddSeconds(sequence), "M1",
            payload ?? [], [(byte)sequence, 1, 2, 3]);

    private static StoredCheckpoint Checkpoint(long size) => new(size, new byte[32], $"note {size}", []);

    private static SealedLogRow Sealed(long id) => new(id, id, [(byte)id, 0xEE], [(byte)id, 0xAA]);

    [Fact]
    public async Task A_meters_rows_come_back_in_arrival_order_by_sequence_and_by_payload()
    {
        var store = new MemoryLogStore();
        await store.AppendAsync([Row("m-1", 1), Row("m-2", 1), Row("m-1", 2, [7, 7])]);
        await store.AppendAsync([Row("m-3", 1), Row("m-1", 2), Row("m-1", 3)]);

        Assert.Equal([2L, 2L, 3L], (await store.ReadMeterAsync("m-1", 1)).Select(r => r.Sequence));
        Assert.Equal([[7, 7], []], (await store.ReadMeterAtAsync("m-1", 2)).Select(r => r.PublicPayload));
        Assert.Equal(2, Assert.Single(await store.FindPayloadAsync("m-1", [7, 7])).Sequence);
        Assert.Empty(await store.FindPayloadAsync("m-2", [7, 7]));
        Assert.Empty(await store.ReadMeterAsync("m-9", 0));
        Assert.Equal(["m-1", "m-2"], await store.MetersAsync(null, 2));
        Assert.Equal(["m-3"], await store.MetersAsync("m-2", 10));
        var all = new List<PendingLogRow>();
        await foreach (var row in store.ReadAllAsync()) all.Add(row);
        Assert.Equal(["m-1", "m-2", "m-1", "m-3", "m-1", "m-1"], all.Select(r => r.MeterId));
    }

    [Fact]
    public async Task Sealing_takes_the_oldest_rows_first_and_row_i_becomes_leaf_i()
    {
        var store = new MemoryLogStore();
        await store.AppendAsync([.. Enumerable.Range(1, 7).Select(i => Row("m-1", i))]);

        var first = await store.TakeUnsealedAsync(4);
        Assert.Equal([0L, 1L, 2L, 3L], first.Select(r => r.Id));
        Assert.Equal([1L, 2L, 3L, 4L], first.Select(r => r.Row.Sequence));
        await store.SealAsync([.. first.Select(r => Sealed(r.Id))], Checkpoint(4));
        Assert.Equal(3, await store.UnsealedCountAsync());

        var rest = await store.TakeUnsealedAsync(100);
        Assert.Equal([4L, 5L, 6L], rest.Select(r => r.Id));
        await store.AppendAsync([Row("m-1", 8)]);
        await store.SealAsync([.. rest.Select(r => Sealed(r.Id))], Checkpoint(7));

        Assert.Equal(1, await store.UnsealedCountAsync());
        Assert.Equal([7L], (await store.TakeUnsealedAsync(100)).Select(r => r.Id));
        Assert.Equal([[2, 0xEE], [3, 0xEE], [4, 0xEE]], await store.SealedEntriesAsync(2, 5));
        Assert.Equal([[6, 0xEE]], await store.SealedEntriesAsync(6, 50));
        Assert.Empty(await store.SealedEntriesAsync(7, 9));
        Assert.Equal([[5, 0xAA], [6, 0xAA]], await store.LeafHashesFromAsync(5));
        Assert.Equal("note 7", (await store.LatestCheckpointAsync())!.Note);
        Assert.Equal("note 4", (await store.CheckpointAsync(4))!.Note);
    }

    [Fact]
    public async Task A_seal_out_of_order_twice_or_past_the_end_is_refused_and_changes_nothing()
    {
        var store = new MemoryLogStore();
        await store.AppendAsync([Row("m-1", 1), Row("m-1", 2), Row("m-1", 3)]);
        await store.SealAsync([Sealed(0)], Checkpoint(1));

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SealAsync([Sealed(0)], Checkpoint(2)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SealAsync([Sealed(2)], Checkpoint(2)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SealAsync([Sealed(1), Sealed(3)], Checkpoint(3)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SealAsync([new SealedLogRow(1, 5, [1], [1])], Checkpoint(2)));

        Assert.Equal(2, await store.UnsealedCountAsync());
        Assert.Equal(1, (await store.LatestCheckpointAsync())!.Size);
        Assert.Single(await store.SealedEntriesAsync(0, 10));
        await store.SealAsync([Sealed(1), Sealed(2)], Checkpoint(3));
        Assert.Equal(0, await store.UnsealedCountAsync());
    }
}
