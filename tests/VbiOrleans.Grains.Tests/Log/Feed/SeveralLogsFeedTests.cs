using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Grains.Log;
using VbiOrleans.Grains.Log.Feed;
using VbiOrleans.Host.Hosting;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// The log feed over several logs (a shard map's module databases, docs/transaction-log.md "Several logs"): a meter's
/// records go to its bucket's log only; a consumer gets every record of every log once, in order per meter; a log
/// whose store fails is retried on its own while the consumer goes on with the other, and catches up when it is back.
/// </summary>
public sealed class SeveralLogsFeedTests : IAsyncLifetime
{
    private const string Consumer = "several";
    private static readonly ShardMap Map = ShardMap.Parse("""
        {
          "format": "vbi-shard-map/1", "version": 1, "buckets": 2, "hash": "sha256-be64-mod",
          "databases": [
            { "name": "postal-a", "store": "postal", "server": "127.0.0.1:10300", "connection": "p-a" },
            { "name": "module-a", "store": "module", "server": "127.0.0.1:10300", "connection": "m-a" },
            { "name": "postal-b", "store": "postal", "server": "127.0.0.1:10301", "connection": "p-b" },
            { "name": "module-b", "store": "module", "server": "127.0.0.1:10301", "connection": "m-b" }
          ],
          "postal": ["postal-a", "postal-b"],
          "module": ["module-b", "module-a"]
        }
        """, null, out _)!;

    private static readonly MemoryLogStore ModuleA = new();
    private static readonly OutageLogStore ModuleB = new(new MemoryLogStore());
    private static readonly ConcurrentQueue<LogRecord> Applied = new();

    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    private TransactionLogs Logs => ((InProcessSiloHandle)_cluster.Primary!).SiloHost!.Services.GetRequiredService<TransactionLogs>();

    [Fact]
    public async Task Each_meter_goes_to_its_buckets_log_and_a_consumer_reads_every_log_once_while_one_log_is_down()
    {
        // Meters of both buckets: bucket 0's module database is module-b, bucket 1's module-a.
        var meters = Enumerable.Range(0, 40).Select(i => $"m-{i:x8}").ToList();
        var inB = meters.Where(m => Map.BucketOf(m) == 0).Take(3).ToList();
        var inA = meters.Where(m => Map.BucketOf(m) == 1).Take(3).ToList();
        Assert.Equal(3, inA.Count);
        Assert.Equal(3, inB.Count);
        Assert.Equal(["home", "module-a", "module-b"], Logs.All.Select(l => l.Name));

        await AppendAsync([.. inA, .. inB], 1, 5);
        foreach (var meter in inA)
        {
            Assert.Equal(5, (await ModuleA.ReadMeterAsync(meter, 0)).Count);
            Assert.Empty(await ModuleB.ReadMeterAsync(meter, 0));
            Assert.Equal(5, (await Logs.ReadMeterAsync(meter, 0)).Count);
        }
        foreach (var meter in inB)
        {
            Assert.Equal(5, (await ModuleB.ReadMeterAsync(meter, 0)).Count);
            Assert.Empty(await ModuleA.ReadMeterAsync(meter, 0));
        }
        Assert.Equal(0, await Logs.Home.Store.HeadAsync());

        var feed = _cluster.GrainFactory.GetGrain<ILogFeedGrain>(Consumer);
        var asked = await feed.Status();
        Assert.Equal(["home", "module-a", "module-b"], asked.Logs.Select(l => l.Log));
        await WaitAsync(feed, s => s.HasReached(asked));
        AssertOncePerMeterInOrder([.. inA, .. inB], 5);

        // module-b's store stops answering: module-a's new records still reach the consumer, module-b's failures show.
        ModuleB.Down = true;
        // While its store refuses reads, module-b still takes appends: they wait in it for the feed.
        await AppendAsync([.. inA, .. inB], 6, 8);
        var whileDown = await WaitAsync(feed, s => s.ConsecutiveFailures > 0 && Applied.Count(r => inA.Contains(r.MeterId)) == inA.Count * 8);
        Assert.StartsWith("log module-b: ", whileDown.LastError);
        Assert.DoesNotContain(Applied, r => inB.Contains(r.MeterId) && r.Sequence > 5);

        // Back: module-b's records arrive, and every record of both logs was applied once, in order per meter.
        var headB = await ModuleB.Inner.HeadAsync();
        ModuleB.Down = false;
        var back = await WaitAsync(feed, s => s.ConsecutiveFailures == 0 && s.Logs.Single(l => l.Log == "module-b").Position >= headB);
        Assert.Equal(0, back.Lag);
        AssertOncePerMeterInOrder([.. inA, .. inB], 8);
    }

    /// <summary>Sequences <paramref name="from"/> to <paramref name="to"/> of each meter, through the logs' router.</summary>
    private async Task AppendAsync(IReadOnlyList<string> meters, long from, long to)
    {
        for (var sequence = from; sequence <= to; sequence++)
        {
            foreach (var meter in meters)
                await Logs.AppendAsync(new LogRecord(meter, sequence, Domain.Transactions.TransactionKind.Print, 100, DateTimeOffset.UtcNow, "CM-0001", RowChange.Event));
        }
    }

    private static void AssertOncePerMeterInOrder(IReadOnlyList<string> meters, long through)
    {
        foreach (var meter in meters)
            Assert.Equal(Enumerable.Range(1, (int)through).Select(s => (long)s), Applied.Where(r => r.MeterId == meter).Select(r => r.Sequence));
    }

    private static async Task<LogFeedStatus> WaitAsync(ILogFeedGrain feed, Func<LogFeedStatus, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var status = await feed.Status();
            if (done(status)) return status;
            Assert.True(DateTime.UtcNow < deadline, $"the feed did not get there within 20 s: {status}");
            await Task.Delay(50);
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            foreach (var store in Abstractions.StorageNames.All) silo.AddMemoryGrainStorage(store);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton(new LogShards(Map, new Dictionary<string, ILogStore> { ["module-a"] = ModuleA, ["module-b"] = ModuleB }));
            SiloSetup.AddVbiServices(silo);
            silo.Services.Configure<LogFeedOptions>(o =>
            {
                o.PollInterval = TimeSpan.FromMilliseconds(50);
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
                o.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
            });
            silo.Services.AddSingleton<ILogFeedConsumer>(new CollectingConsumer());
        }
    }

    private sealed class CollectingConsumer : ILogFeedConsumer
    {
        public string Name => Consumer;

        public Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
        {
            foreach (var record in records) Applied.Enqueue(record);
            return Task.CompletedTask;
        }
    }

    /// <summary>A log store whose reads fail while <see cref="Down"/>, as a database that stopped answering; appends still land.</summary>
    private sealed class OutageLogStore(MemoryLogStore inner) : DelegatingLogStore(inner)
    {
        public volatile bool Down;

        public MemoryLogStore Inner => (MemoryLogStore)Next;

        private void Check()
        {
            if (Down) throw new IOException("the database does not answer");
        }

        public override string Description => "outage:" + Next.Description;

        public override Task<IReadOnlyList<CommittedLogRow>> ReadCommittedAsync(long after, int limit, CancellationToken cancellationToken = default)
        {
            Check();
            return Next.ReadCommittedAsync(after, limit, cancellationToken);
        }

        public override Task<long> HeadAsync(CancellationToken cancellationToken = default)
        {
            Check();
            return Next.HeadAsync(cancellationToken);
        }

        public override Task<long> FeedPositionAsync(string consumer, CancellationToken cancellationToken = default)
        {
            Check();
            return Next.FeedPositionAsync(consumer, cancellationToken);
        }

        public override Task SetFeedPositionAsync(string consumer, long position, bool rewind = false, CancellationToken cancellationToken = default)
        {
            Check();
            return Next.SetFeedPositionAsync(consumer, position, rewind, cancellationToken);
        }
    }
}
