using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Log;
using VbiOrleans.Grains.Log.Feed;
using VbiOrleans.Host.Hosting;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// Every consumer the silo runs (history, webhooks, purchases, ledger, fees, provider, refunds) reading one log through
/// the silo's shared reading, with the log store counted: each record is read from the store once between them, each
/// consumer applies every record, and an idle silo checks its log once per poll interval, not once per consumer.
/// </summary>
public sealed class SharedReadingFeedTests : IAsyncLifetime
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly CountingLogStore Store = new(new MemoryLogStore());
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

    private Grains.Log.TransactionLog Log => ((InProcessSiloHandle)_cluster.Primary!).SiloHost!.Services.GetRequiredService<Grains.Log.TransactionLog>();

    [Fact]
    public async Task The_consumers_read_each_record_from_the_store_once_between_them_and_an_idle_silo_checks_the_log_once_per_poll_interval()
    {
        var directory = _cluster.GrainFactory.GetGrain<ILogFeedDirectoryGrain>(0);
        var consumers = await directory.Status(); // starts every consumer's reader
        Assert.True(consumers.Count >= 7, $"only {consumers.Count} consumers: {string.Join(", ", consumers.Select(c => c.Consumer))}");

        for (var sequence = 1; sequence <= 60; sequence++)
        {
            foreach (var meter in Enumerable.Range(0, 5).Select(i => $"m-feed-shared-{i}"))
                await Log.AppendAsync(new LogRecord(meter, sequence, Domain.Transactions.TransactionKind.Print, 100, DateTimeOffset.UtcNow, "CM-0001", RowChange.Event));
        }
        var head = await Store.Inner.HeadAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyList<LogFeedStatus> statuses;
        while (!(statuses = await directory.Status()).All(s => s.Position >= head))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the consumers did not reach {head}: {string.Join("; ", statuses)}");
            await Task.Delay(50);
        }
        Assert.All(statuses, s => Assert.True(s.Healthy, $"{s.Consumer}: {s.LastError}"));
        Assert.All(statuses, s => Assert.Equal(0, s.Lag));

        // Each record was read from the store once for all the consumers (before: once per consumer).
        Assert.Equal(Enumerable.Range(1, (int)head).Select(p => (long)p), Store.Returned.Keys.Order());
        Assert.All(Store.Returned, r => Assert.True(r.Value == 1, $"position {r.Key} was read from the store {r.Value} times"));

        // Idle: no status asked, nothing appended. Each consumer reading the log itself every poll interval would make a
        // read and a head check each (2 x 7 x 40 = 560 queries in 2 s); the shared reading makes one head check per poll.
        await Task.Delay(PollInterval * 4);
        var before = Store.LogQueries;
        var idle = TimeSpan.FromSeconds(2);
        await Task.Delay(idle);
        var queries = Store.LogQueries - before;
        Assert.InRange(queries, 1, (int)(idle / PollInterval) + 10);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            foreach (var store in Abstractions.StorageNames.All) silo.AddMemoryGrainStorage(store);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<ILogStore>(Store);
            SiloSetup.AddVbiServices(silo);
            silo.Services.Configure<Grains.Commerce.PurchaseOptions>(o => o.AcceptUnpaidPvds = true);
            silo.Services.Configure<Grains.Provider.ProviderOptions>(o => o.Licensing.ApproveAtOnce = true);
            silo.Services.Configure<LogFeedOptions>(o => o.PollInterval = PollInterval);
        }
    }
}
