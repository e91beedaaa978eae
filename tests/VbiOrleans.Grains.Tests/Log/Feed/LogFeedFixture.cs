using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Log;
using VbiOrleans.Grains.Log.Feed;
using VbiOrleans.Host.Hosting;

namespace VbiOrleans.Grains.Tests.Log.Feed;

/// <summary>
/// One silo of the Local profile's log (memory) with test consumers beside the real ones. Each test gives its
/// consumers a behaviour before it first asks their reader anything (nothing starts the readers before), and
/// filters what they saw by its own meters: every consumer reads the whole log.
/// </summary>
public sealed class LogFeedFixture : IAsyncLifetime
{
    public const int BatchSize = 50;
    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(300);

    public TestCluster Cluster { get; private set; } = null!;

    public Grains.Log.TransactionLog Log => ((InProcessSiloHandle)Cluster.Primary!).SiloHost!.Services.GetRequiredService<Grains.Log.TransactionLog>();

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>Appends one record per (meter, sequence), in the order given, and returns the log's head after them.</summary>
    public async Task<long> AppendAsync(IEnumerable<(string Meter, long Sequence)> records)
    {
        foreach (var (meter, sequence) in records)
            await Log.AppendAsync(new LogRecord(meter, sequence, Domain.Transactions.TransactionKind.Print, 100, DateTimeOffset.UtcNow, "CM-0001", RowChange.Event));
        return await Log.Store.HeadAsync();
    }

    public async Task<LogFeedStatus> WaitForAsync(string consumer, Func<LogFeedStatus, bool> done, TimeSpan timeout)
    {
        var grain = Cluster.GrainFactory.GetGrain<ILogFeedGrain>(consumer);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await grain.Status();
            if (done(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"log feed consumer {consumer} did not get there within {timeout}: {status}");
            await Task.Delay(50);
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            foreach (var store in Abstractions.StorageNames.All) silo.AddMemoryGrainStorage(store);
            silo.UseInMemoryReminderService();
            SiloSetup.AddVbiServices(silo);
            // These silos exercise meters, not commerce: PVDs are funded without purchases (test mode only).
            silo.Services.Configure<Grains.Commerce.PurchaseOptions>(o => o.AcceptUnpaidPvds = true);
            silo.Services.Configure<Grains.Provider.ProviderOptions>(o => o.Licensing.ApproveAtOnce = true);
            silo.Services.Configure<LogFeedOptions>(o =>
            {
                o.BatchSize = BatchSize;
                o.PollInterval = TimeSpan.FromMilliseconds(50);
                o.RetryBaseDelay = RetryBaseDelay;
                o.RetryMaxDelay = TimeSpan.FromSeconds(5);
                o.AlertAfterFailures = 2;
                o.ApplyTimeout = TimeSpan.FromSeconds(1);
            });
            foreach (var name in TestConsumer.Names) silo.Services.AddSingleton<ILogFeedConsumer>(new TestConsumer(name));
            silo.Services.AddSingleton<ILoggerProvider>(CapturedAlerts.Provider);
        }
    }
}

/// <summary>A consumer whose behaviour a test sets (<see cref="Behaviours"/>); by default it applies every batch.</summary>
public sealed class TestConsumer(string name) : ILogFeedConsumer
{
    public static readonly string[] Names = ["batches", "flaky", "failing", "beside-failing", "stuck"];

    /// <summary>Per consumer: what to do with a batch (throw to fail it). Tests set it before the reader starts.</summary>
    public static readonly ConcurrentDictionary<string, Func<IReadOnlyList<LogRecord>, CancellationToken, Task>> Behaviours = new();

    public string Name => name;

    public Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken) =>
        Behaviours.TryGetValue(name, out var behaviour) ? behaviour(records, cancellationToken) : Task.CompletedTask;
}

/// <summary>The silo's Critical log lines with their event ids: the feed's alerts.</summary>
public static class CapturedAlerts
{
    public static readonly ConcurrentQueue<(EventId Id, string Message)> Lines = new();

    public static readonly ILoggerProvider Provider = new CapturingProvider();

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger();
        public void Dispose() { }
    }

    private sealed class CapturingLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Critical;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Critical) Lines.Enqueue((eventId, formatter(state, exception)));
        }
    }
}
