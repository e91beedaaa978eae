using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using VbiOrleans.Host.Hosting;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// The grain storage of each database of the shard map, by store and database: the providers registered at start for
/// the map the silo started with, and, for a database a later version names (added online by <c>vbi-admin shards
/// add</c>), one made here the first time a bucket routes to it, configured as SiloSetup configures the others
/// (Orleans' ADO.NET provider with the binary serializer, behind group commit unless it is off).
/// </summary>
public sealed class ShardStores(IServiceProvider services, LiveShardMap live, bool groupCommit)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<IGrainStorage>>> _stores = new(StringComparer.Ordinal);

    public Task<IGrainStorage> ForAsync(string store, string database)
    {
        var name = SiloSetup.ShardProviderName(store, database);
        return _stores.GetOrAdd(name, n => new Lazy<Task<IGrainStorage>>(() => OpenAsync(n, database))).Value;
    }

    private async Task<IGrainStorage> OpenAsync(string name, string database)
    {
        if (services.GetKeyedService<IGrainStorage>(name) is { } registered) return registered;
        var connectionString = SiloSetup.ForProviders(live.ConnectionString(database));
        var options = new AdoNetGrainStorageOptions
        {
            Invariant = SiloSetup.AdoNetInvariant,
            ConnectionString = connectionString,
            GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
        };
        new DefaultAdoNetGrainStorageOptionsHashPickerConfigurator().PostConfigure(name, options);
        var cluster = services.GetRequiredService<IOptions<ClusterOptions>>();
        var provider = new AdoNetGrainStorage(services.GetRequiredService<IActivatorProvider>(), services.GetRequiredService<ILogger<AdoNetGrainStorage>>(),
            Options.Create(options), cluster, name);
        // The provider loads its queries in its lifecycle's start; the silo's lifecycle has long passed, so run it here.
        var starts = new StartCollector();
        provider.Participate(starts);
        await starts.StartAsync();
        if (!groupCommit) return provider;
        return new GroupCommitGrainStorage(name, cluster.Value.ServiceId, provider, connectionString,
            services.GetRequiredService<ILoggerFactory>().CreateLogger<GroupCommitGrainStorage>());
    }

    /// <summary>A silo lifecycle of one provider's own: collects its start callbacks and runs them in stage order.</summary>
    private sealed class StartCollector : ISiloLifecycle
    {
        private readonly List<(int Stage, ILifecycleObserver Observer)> _observers = [];

        public int HighestCompletedStage { get; private set; }

        public int LowestStoppedStage { get; private set; }

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add((stage, observer));
            return new Unsubscriber();
        }

        public async Task StartAsync()
        {
            foreach (var (stage, observer) in _observers.OrderBy(o => o.Stage))
            {
                await observer.OnStart(CancellationToken.None);
                HighestCompletedStage = stage;
            }
        }

        private sealed class Unsubscriber : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
