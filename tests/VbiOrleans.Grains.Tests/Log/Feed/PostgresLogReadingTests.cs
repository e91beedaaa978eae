using Npgsql;
using VbiOrleans.Grains.Log;
using VbiOrleans.Grains.Log.Feed;
using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// The shared reading of a log (<see cref="LogReading"/>) over the real PostgreSQL log store, where ids are drawn
/// before commit and appends commit in any order: the window never serves past an id that may still commit, so no
/// consumer skips or reorders a record, and the consumers between them read each record from the store once.
/// </summary>
public sealed class PostgresLogReadingTests : IAsyncLifetime
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private ScratchLogDatabase _log = null!;
    private CountingLogStore _store = null!;
    private LogReading _reading = null!;

    public async Task InitializeAsync()
    {
        _log = await ScratchLogDatabase.CreateAsync("vbi_feedshare");
        _store = new CountingLogStore(_log.Store);
        _reading = new LogReading(_store, LogReadingTests.Open, new LogFeedOptions { BatchSize = 20, PollInterval = PollInterval }, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _log.DisposeAsync();

    private static PendingLogRow Row(long sequence) =>
        new("m-feed-share", sequence, 2, 100, 100 * sequence, 0, DateTimeOffset.UtcNow, "CM-0001", [], [(byte)sequence, 7]);

    /// <summary>What <paramref name="after"/> gets once a head check is due (the last one may have found nothing a moment ago).</summary>
    private async Task<List<long>> ReadDueAsync(long after)
    {
        await Task.Delay(PollInterval * 2);
        return [.. (await _reading.ReadAsync(after, 100)).Select(r => r.Record.Sequence)];
    }

    private async Task SealAllAsync()
    {
        var rows = await _store.TakeUnsealedAsync(10_000);
        var first = (await _store.LatestCheckpointAsync())?.Size ?? 0;
        await _store.SealAsync([.. rows.Select((r, i) => new SealedLogRow(r.Id, first + i, [0xE0, (byte)i], [0xA0, (byte)i]))],
            new StoredCheckpoint(first + rows.Count, [1], $"size {first + rows.Count}", [2]));
    }

    [Fact]
    public async Task A_row_that_commits_after_a_later_one_is_served_in_its_place_never_skipped()
    {
        await _store.AppendAsync([Row(1)]);
        var (slow, slowTransaction) = await _log.OpenAppendAsync(Row(2)); // draws id 2, commits last
        await _store.AppendAsync([Row(3)]);                                // id 3, visible first

        Assert.Equal([1L], await ReadDueAsync(0));
        Assert.Empty(await ReadDueAsync(1));    // the window stops before id 2: serving 3 would let a cursor pass it
        Assert.Equal([1L], await ReadDueAsync(0)); // a second consumer is served the same, from memory

        await slowTransaction.CommitAsync();
        await slow.DisposeAsync();
        Assert.Equal([2L, 3L], await ReadDueAsync(1));
        Assert.Equal([1L, 2L, 3L], await ReadDueAsync(0));
        Assert.All(_store.Returned, r => Assert.Equal(1, r.Value));
    }

    [Fact]
    public async Task Consumers_get_every_record_once_in_order_while_appends_commit_out_of_order_and_some_roll_back()
    {
        long? head = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var consumers = Enumerable.Range(0, 3).Select(_ => LogReadingTests.ConsumeAsync(_reading, 0, () => head, 20, timeout.Token)).ToList();

        // Eight writers, each holding its append open a random while before it commits (every seventh rolls back,
        // leaving an id that never commits), so rows become visible out of id order while the consumers read.
        var sealing = new CancellationTokenSource();
        var sealer = Task.Run(async () =>
        {
            while (!sealing.IsCancellationRequested)
            {
                await SealAllAsync(); // passes the ids that rolled back, as the log's sealer does
                await Task.Delay(100);
            }
        });
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; i < 25; i++)
            {
                var (connection, transaction) = await _log.OpenAppendAsync(Row(w * 100 + i));
                await Task.Delay(random.Next(0, 15));
                if ((w * 25 + i) % 7 == 3) await transaction.RollbackAsync();
                else await transaction.CommitAsync();
                await connection.DisposeAsync();
            }
        })).ToList();
        await Task.WhenAll(writers);
        await sealing.CancelAsync();
        await sealer;
        await SealAllAsync();
        head = await _store.HeadAsync();
        var seen = await Task.WhenAll(consumers);

        var committed = new List<long>();
        await using (var connection = new NpgsqlConnection(LocalServices.ConnectionString(_log.Database)))
        {
            await connection.OpenAsync();
            await using var ids = new NpgsqlCommand("SELECT id FROM vbi_log ORDER BY id", connection);
            await using var reader = await ids.ExecuteReaderAsync();
            while (await reader.ReadAsync()) committed.Add(reader.GetInt64(0));
        }
        Assert.True(committed.Count > 150, $"only {committed.Count} rows committed");
        Assert.All(seen, s => Assert.Equal(committed, s)); // every committed row, once, in log order: none skipped
        // The three consumers read each row from the store once between them.
        Assert.Equal(committed, _store.Returned.Keys.Order());
        Assert.All(_store.Returned, r => Assert.True(r.Value == 1, $"id {r.Key} was read from the store {r.Value} times"));
    }
}
