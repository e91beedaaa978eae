using System.Collections.Concurrent;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Log;
using VbiOrleans.Grains.Log.Feed;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// The silo's shared reading of a log (<see cref="LogReading"/>) against the Local profile's log store, counted: the
/// consumers between them read each record from the store once, an idle log costs one head check per poll interval
/// whatever the number of consumers, and a consumer far behind catches up from the store while the others stay at the
/// head, served from the window, which stays within its bound.
/// </summary>
public sealed class LogReadingTests
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Rows opened as the tests need them: the public columns, no secret.</summary>
    public static Task<IReadOnlyList<FeedRecord>> Open(IReadOnlyList<CommittedLogRow> rows) =>
        Task.FromResult<IReadOnlyList<FeedRecord>>([.. rows.Select(r => new FeedRecord(r.Position,
            new LogRecord(r.Row.MeterId, r.Row.Sequence, (TransactionKind)r.Row.Kind, r.Row.AmountMills, r.Row.At, r.Row.ModuleSerial, RowChange.Event)))]);

    private static LogReading Reading(ILogStore store, int windowSize = 4096, int batchSize = 50) =>
        new(store, Open, new LogFeedOptions { BatchSize = batchSize, PollInterval = PollInterval, WindowSize = windowSize }, TimeProvider.System);

    private static PendingLogRow Row(long sequence) =>
        new("m-reading", sequence, 2, 100, 100 * sequence, 0, DateTimeOffset.UtcNow, "CM-0001", [], [(byte)sequence]);

    /// <summary>Appends <paramref name="count"/> rows in bursts of <paramref name="burst"/>, a few ms apart, as prints commit under load.</summary>
    private static async Task AppendAsync(ILogStore store, int count, int burst = 25)
    {
        for (var appended = 0; appended < count; appended += burst)
        {
            await store.AppendAsync([.. Enumerable.Range(appended + 1, Math.Min(burst, count - appended)).Select(s => Row(s))]);
            await Task.Delay(3);
        }
    }

    /// <summary>
    /// A consumer's reader as <see cref="LogFeedGrain"/> runs it: read after its cursor, apply, move the cursor; when
    /// nothing comes, ask again shortly (more often than the poll interval, to show the reading bounds the queries).
    /// Stops once its cursor is at <paramref name="until"/> (set when the appends are done). Every position it saw, in order.
    /// </summary>
    public static async Task<List<long>> ConsumeAsync(LogReading reading, long from, Func<long?> until, int limit, CancellationToken cancellationToken)
    {
        var seen = new List<long>();
        var cursor = from;
        while (until() is not { } target || cursor < target)
        {
            var batch = await reading.ReadAsync(cursor, limit, cancellationToken);
            if (batch.Count == 0)
            {
                await Task.Delay(10, cancellationToken);
                continue;
            }
            Assert.InRange(batch.Count, 1, limit);
            foreach (var record in batch)
            {
                Assert.True(record.Position > cursor, $"position {record.Position} came after the cursor was at {cursor}");
                seen.Add(record.Position);
                cursor = record.Position;
            }
        }
        return seen;
    }

    [Fact]
    public async Task Five_consumers_read_each_record_from_the_store_once_between_them_and_each_gets_every_record_in_order()
    {
        var store = new CountingLogStore(new MemoryLogStore());
        var reading = Reading(store);
        long? head = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var consumers = Enumerable.Range(0, 5).Select(_ => ConsumeAsync(reading, 0, () => head, 50, timeout.Token)).ToList();

        await AppendAsync(store, 1_000);
        head = await store.HeadAsync();
        var seen = await Task.WhenAll(consumers);

        var all = Enumerable.Range(1, 1_000).Select(p => (long)p).ToList();
        Assert.All(seen, s => Assert.Equal(all, s));
        Assert.Equal(all, store.Returned.Keys.Order());
        Assert.All(store.Returned, r => Assert.True(r.Value == 1, $"position {r.Key} was read from the store {r.Value} times"));
    }

    [Fact]
    public async Task An_idle_log_costs_one_head_check_per_poll_interval_whatever_the_number_of_consumers()
    {
        var store = new CountingLogStore(new MemoryLogStore());
        var reading = Reading(store);
        await AppendAsync(store, 100);
        var caughtUp = await store.HeadAsync();
        long? until = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var consumers = Enumerable.Range(0, 7).Select(_ => ConsumeAsync(reading, 0, () => until, 50, timeout.Token)).ToList();
        while (reading.Window.End < caughtUp) await Task.Delay(10);
        await Task.Delay(PollInterval * 2);

        // Seven consumers asking every 10 ms for 2 s: 1,400 asks, which each reading the store itself would answer with
        // a read and a head check (2,800 queries). One head check per 50 ms poll interval is 40.
        var before = store.LogQueries;
        var idle = TimeSpan.FromSeconds(2);
        await Task.Delay(idle);
        var queries = store.LogQueries - before;
        var checks = (int)(idle / PollInterval);
        Assert.InRange(queries, checks / 2, checks + 5);

        // And a record committed now still reaches every consumer within a few poll intervals.
        await store.AppendAsync([Row(101)]);
        until = await store.HeadAsync();
        var seen = await Task.WhenAll(consumers).WaitAsync(PollInterval * 20);
        Assert.All(seen, s => Assert.Equal(Enumerable.Range(1, 101).Select(p => (long)p), s));
    }

    [Fact]
    public async Task A_consumer_far_behind_catches_up_from_the_store_while_the_others_are_served_at_the_head_from_a_bounded_window()
    {
        const int window = 200;
        var store = new CountingLogStore(new MemoryLogStore());
        var reading = Reading(store, window);
        long? head = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var atHead = Enumerable.Range(0, 2).Select(_ => ConsumeAsync(reading, 0, () => head, 50, timeout.Token)).ToList();
        await AppendAsync(store, 2_000);
        var first = await store.HeadAsync();
        while (reading.Window.End < first) await Task.Delay(10);

        // A new consumer (or one rewound) starts from the start of the log while records keep coming.
        var behind = ConsumeAsync(reading, 0, () => head, 50, timeout.Token);
        for (var sequence = 2_001; sequence <= 2_500; sequence += 10)
        {
            // At the pace the consumers at the head take them (a backlog bigger than the window, behind the fastest
            // reader, would put the slower one out of the window too, which is not what this shows).
            await store.AppendAsync([.. Enumerable.Range(sequence, 10).Select(s => Row(s))]);
            var appended = await store.Inner.HeadAsync();
            while (reading.Window.End < appended) await Task.Delay(5, timeout.Token);
        }
        head = await store.HeadAsync();
        var seen = await Task.WhenAll([.. atHead, behind]);

        var all = Enumerable.Range(1, 2_500).Select(p => (long)p).ToList();
        Assert.All(seen, s => Assert.Equal(all, s));
        var (start, end, count) = reading.Window;
        Assert.Equal(head, end);          // the window followed the head: the far consumer did not drag it back
        Assert.InRange(count, 1, window); // and stayed within its bound
        Assert.Equal(end - count, start);
        // The records committed while it caught up were read from the store once for the consumers at the head, and at
        // most once more by the far consumer's own reads (which stop where the window starts).
        Assert.All(store.Returned.Where(r => r.Key > first), r => Assert.InRange(r.Value, 1, 2));
    }

    [Fact]
    public async Task A_consumer_ahead_of_the_window_gets_every_record_after_its_cursor_and_one_far_ahead_starts_the_window_again()
    {
        // A consumer whose reader moved to this silo may come with a cursor past what the silo's window holds.
        var store = new MemoryLogStore();
        var reading = Reading(store, windowSize: 200);
        await store.AppendAsync([.. Enumerable.Range(1, 300).Select(s => Row(s))]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(1, 100).Select(p => (long)p), await ConsumeAsync(reading, 0, () => 100, 50, timeout.Token));
        var (_, end, _) = reading.Window;
        Assert.InRange(end, 100, 150);

        // Less than a window ahead: served from the store and the window's tail until the window reaches it.
        Assert.Equal(Enumerable.Range(251, 50).Select(p => (long)p), await ConsumeAsync(reading, 250, () => 300, 50, timeout.Token));

        // More than a window ahead of the window's end: the window starts again at that cursor.
        await store.AppendAsync([.. Enumerable.Range(301, 300).Select(s => Row(s))]);
        var ahead = reading.Window.End + 201;
        Assert.Equal(Enumerable.Range((int)ahead + 1, 600 - (int)ahead).Select(p => (long)p), await ConsumeAsync(reading, ahead, () => 600, 50, timeout.Token));
        Assert.True(reading.Window.Start >= ahead, $"the window {reading.Window} did not start again at {ahead}");

        // The first consumer, now behind the window, reads the rest from the store, in order, none skipped.
        Assert.Equal(Enumerable.Range(101, 500).Select(p => (long)p), await ConsumeAsync(reading, 100, () => 600, 50, timeout.Token));
    }
}
