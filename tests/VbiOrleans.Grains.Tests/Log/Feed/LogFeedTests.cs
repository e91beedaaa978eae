using System.Collections.Concurrent;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Log.Feed;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// The log feed's reader against the Local profile's log: bounded batches in log order, the cursor moved only after a
/// batch is applied (so a failed batch comes again: at least once), effects that stay once when delivered twice, and
/// a failing or stuck consumer retried with backoff and an alert while the others keep up.
/// </summary>
public sealed class LogFeedTests(LogFeedFixture fixture) : IClassFixture<LogFeedFixture>
{
    private static string Meter(string test, int i) => $"m-feed-{test}-{i}";

    /// <summary>Three meters' records interleaved as their transactions would commit: per meter, sequences 1, 2, 3 ...</summary>
    private static List<(string, long)> Interleaved(string test, int perMeter) =>
        [.. Enumerable.Range(1, perMeter).SelectMany(sequence => Enumerable.Range(0, 3).Select(i => (Meter(test, i), (long)sequence)))];

    [Fact]
    public async Task A_consumer_reads_every_committed_record_once_in_log_order_in_bounded_batches_and_its_cursor_is_durable()
    {
        var batches = new ConcurrentQueue<IReadOnlyList<LogRecord>>();
        TestConsumer.Behaviours["batches"] = (records, _) =>
        {
            batches.Enqueue(records);
            return Task.CompletedTask;
        };
        var appended = Interleaved("batches", 77);
        var head = await fixture.AppendAsync(appended);

        await fixture.WaitForAsync("batches", s => s.Position >= head, TimeSpan.FromSeconds(20));

        Assert.All(batches, b => Assert.InRange(b.Count, 1, LogFeedFixture.BatchSize));
        var mine = batches.SelectMany(b => b).Where(r => r.MeterId.StartsWith("m-feed-batches-", StringComparison.Ordinal))
            .Select(r => (r.MeterId, r.Sequence)).ToList();
        Assert.Equal(appended, mine); // every record, once, in the order it was committed
        Assert.Equal(head, await fixture.Log.Store.FeedPositionAsync("batches"));

        // Records committed later reach the caught-up reader within the poll interval, not minutes.
        var started = DateTime.UtcNow;
        var later = await fixture.AppendAsync([(Meter("batches", 0), 78)]);
        var status = await fixture.WaitForAsync("batches", s => s.Position >= later, TimeSpan.FromSeconds(5));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), $"commit to consumer took {DateTime.UtcNow - started}");
        Assert.Equal(0, status.Lag);
        Assert.NotNull(status.LastDelayMs);
    }

    [Fact]
    public async Task A_batch_that_fails_half_applied_comes_again_and_its_effects_stay_once_by_meter_and_sequence()
    {
        // The effect: (meter, sequence) -> applied once, like an upsert by sequence. Deliveries are counted apart.
        var effect = new ConcurrentDictionary<(string, long), int>();
        var deliveries = 0;
        var failuresLeft = 2;
        TestConsumer.Behaviours["flaky"] = (records, _) =>
        {
            var mine = records.Where(r => r.MeterId.StartsWith("m-feed-flaky-", StringComparison.Ordinal)).ToList();
            for (var i = 0; i < mine.Count; i++)
            {
                Interlocked.Increment(ref deliveries);
                effect.TryAdd((mine[i].MeterId, mine[i].Sequence), 1);
                // A crash halfway through the batch, twice: the first half's effects are in, the cursor did not move.
                if (i == mine.Count / 2 && Interlocked.Decrement(ref failuresLeft) >= 0) throw new IOException("the consumer's store went away mid-batch");
            }
            return Task.CompletedTask;
        };
        var appended = Interleaved("flaky", 20);
        var head = await fixture.AppendAsync(appended);

        var status = await fixture.WaitForAsync("flaky", s => s.Position >= head, TimeSpan.FromSeconds(20));

        Assert.True(deliveries > appended.Count, $"the failed batches were not delivered again ({deliveries} deliveries of {appended.Count} records)");
        Assert.Equal(appended.Order(), effect.Keys.Order());
        Assert.Equal(0, status.ConsecutiveFailures);
        Assert.Null(status.LastError);
    }

    [Fact]
    public async Task A_failing_consumer_is_retried_with_backoff_and_an_alert_while_the_others_keep_up()
    {
        var attempts = new ConcurrentQueue<DateTime>();
        TestConsumer.Behaviours["failing"] = (_, _) =>
        {
            attempts.Enqueue(DateTime.UtcNow);
            throw new InvalidOperationException("the ledger refuses every posting");
        };
        var applied = new ConcurrentBag<(string, long)>();
        TestConsumer.Behaviours["beside-failing"] = (records, _) =>
        {
            foreach (var r in records) applied.Add((r.MeterId, r.Sequence));
            return Task.CompletedTask;
        };
        var appended = Interleaved("failing", 10);
        var head = await fixture.AppendAsync(appended);
        await fixture.Cluster.GrainFactory.GetGrain<ILogFeedGrain>("failing").Status(); // starts the failing reader

        await fixture.WaitForAsync("beside-failing", s => s.Position >= head, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var failing = await fixture.Cluster.GrainFactory.GetGrain<ILogFeedGrain>("failing").Status();

        Assert.Superset(appended.ToHashSet(), applied.ToHashSet());
        // Polling every 50 ms without backoff would have tried about 40 times in these 2 s; 300 ms doubling tries a few.
        Assert.InRange(attempts.Count, 2, 8);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Count > 0 && gaps[^1] >= gaps[0], $"the retries did not back off: {string.Join(", ", gaps)}");
        Assert.True(failing.ConsecutiveFailures >= 2);
        Assert.Contains("refuses every posting", failing.LastError);
        Assert.NotNull(failing.RetryAt);
        Assert.True(failing.Lag > 0);
        Assert.Equal(0, failing.Position - (await fixture.Log.Store.FeedPositionAsync("failing"))); // nothing applied, nothing skipped
        Assert.Contains(CapturedAlerts.Lines, l => l.Id == LogFeedEvents.ConsumerFailing && l.Message.Contains("failing", StringComparison.Ordinal));

        // Once the consumer works again it catches up from where it stopped.
        TestConsumer.Behaviours["failing"] = (_, _) => Task.CompletedTask;
        var recovered = await fixture.WaitForAsync("failing", s => s.Position >= head, TimeSpan.FromSeconds(15));
        Assert.True(recovered.Healthy);
    }

    [Fact]
    public async Task A_stuck_consumer_times_out_and_is_retried_and_a_rewind_applies_every_record_again()
    {
        var calls = 0;
        var effect = new ConcurrentDictionary<(string, long), int>();
        TestConsumer.Behaviours["stuck"] = async (records, token) =>
        {
            // The first call hangs past the apply timeout, ignoring its token: the reader must not wait for it.
            if (Interlocked.Increment(ref calls) == 1) await Task.Delay(TimeSpan.FromSeconds(30), CancellationToken.None);
            foreach (var r in records) effect.AddOrUpdate((r.MeterId, r.Sequence), 1, (_, n) => n + 1);
        };
        var head = await fixture.AppendAsync(Interleaved("stuck", 5));

        var status = await fixture.WaitForAsync("stuck", s => s.Position >= head, TimeSpan.FromSeconds(15));
        Assert.True(calls >= 2);
        Assert.Equal(0, status.ConsecutiveFailures);

        var rewound = await fixture.Cluster.GrainFactory.GetGrain<ILogFeedGrain>("stuck").Rewind();
        // The grain answers under its gate, so 0 is the cursor it stored; the store is not read here, because the
        // reader's next poll may already have applied a batch from the start again.
        Assert.Equal(0, rewound.Position);
        await fixture.WaitForAsync("stuck", s => s.Position >= head, TimeSpan.FromSeconds(15));
        Assert.All(effect.Where(e => e.Key.Item1.StartsWith("m-feed-stuck-", StringComparison.Ordinal)), e => Assert.True(e.Value >= 2));
    }
}
