using System.Net;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Dashboard;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VbiOrleans.Abstractions;
using VbiOrleans.Grains.Log.Feed;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Hsm;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Hosting;

/// <summary>How a silo is composed for each profile. The host and the TestingHost clusters both use this.</summary>
public static class SiloSetup
{
    public const string AdoNetInvariant = "Npgsql";

    public static void Configure(ISiloBuilder silo, VbiOptions options, StoreConnections? connections, IConfiguration configuration)
    {
        var cluster = options.Cluster;
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        if (!string.IsNullOrWhiteSpace(cluster.SiloName)) silo.Configure<SiloOptions>(o => o.SiloName = cluster.SiloName);
        // Probe timings are tunable (tests shorten them so a killed silo is declared dead quickly).
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Vbi:Cluster:Membership"));

        if (options.Profile == HostProfile.Local)
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            foreach (var store in StorageNames.All)
                silo.Services.AddGrainStorage(store, (services, name) => new LocalGrainStorage(name, services.GetRequiredService<DeepCopier>()));
            silo.UseInMemoryReminderService();
        }
        else
        {
            ArgumentNullException.ThrowIfNull(connections);
            // The transaction log lives in the module store's database, beside module memory.
            silo.Services.AddSingleton<VbiOrleans.Grains.Log.ILogStore>(new VbiOrleans.Grains.Log.PostgresLogStore(connections[StorageNames.Module]));
            silo.Services.AddSingleton(new VbiOrleans.Grains.Log.SnapshotSources(connections.All.ToDictionary(kv => kv.Key, kv => kv.Value)));
            silo.ConfigureEndpoints(AdvertisedAddress(cluster.AdvertisedIp), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            ConfigureAdoNet(silo, connections);
        }

        AddVbiServices(silo);
        // MeterGen's pool fills in the background from the moment a silo starts.
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Meters.IMeterPoolGrain>(0).Status());
        // The daily snapshot's reminder is registered by its first activation.
        if (options.Profile == HostProfile.Cluster)
            silo.AddStartupTask(async (services, _) => await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Log.ISnapshotGrain>(0).Schedule());
        // The log sealer runs on its own timer from the first silo on; its reminder revives it if that silo dies.
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Log.ILogSealerGrain>(0).Status());
        // Each log feed consumer's reader, likewise: started by the first silo, revived by its reminder, and sooner by
        // every silo's keeper when its silo dies.
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Log.ILogFeedDirectoryGrain>(0).Status());
        silo.Services.AddHostedService<LogFeedKeeper>();
        // Trace context crosses grain calls only when traces are exported: the filters run on every call.
        if (options.Telemetry.Exporter != TelemetryExporter.None) silo.AddActivityPropagation();
        silo.AddDashboard(o => o.HideTrace = true);
    }

    /// <summary>The services our grains take from the container.</summary>
    public static void AddVbiServices(ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<IHsm, InMemoryHsm>();
        silo.Services.AddOptions<ModuleOptions>().BindConfiguration(ModuleOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.TryAddSingleton<ModuleCrypto>();
        silo.Services.TryAddSingleton<SystemGuardView>();
        silo.Services.TryAddSingleton<ModuleReports>();
        // What follows from the log downstream: each consumer reads it through the log feed (docs/transaction-log.md).
        silo.Services.AddOptions<VbiOrleans.Grains.Partners.WebhookOptions>().BindConfiguration(VbiOrleans.Grains.Partners.WebhookOptions.Section);
        silo.Services.AddLogFeed();
        silo.Services.AddLogFeedConsumer<HistoryProjection>();
        silo.Services.AddLogFeedConsumer<WebhookFeed>();
        silo.Services.AddOptions<VbiOrleans.Grains.Log.LogOptions>().BindConfiguration(VbiOrleans.Grains.Log.LogOptions.Section);
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Log.ILogStore, VbiOrleans.Grains.Log.MemoryLogStore>();
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Log.TransactionLog>();
    }

    /// <summary>
    /// The connection string the ADO.NET providers get. They open and close a connection per query and leave no
    /// session state behind, so Npgsql's reset on return to the pool (DISCARD ALL, a second transaction per write)
    /// is skipped.
    /// </summary>
    public static string ForProviders(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true, MaxAutoPrepare = 32 }.ConnectionString;

    /// <summary>The name of Orleans' ADO.NET provider behind a store's group commit: <c>postal.adonet</c> for <c>postal</c>.</summary>
    public const string AdoNetProviderSuffix = ".adonet";

    /// <summary>Clustering, the four named stores and reminders on PostgreSQL.</summary>
    public static void ConfigureAdoNet(ISiloBuilder silo, StoreConnections connections)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = AdoNetInvariant;
            o.ConnectionString = ForProviders(connections[StorageNames.Membership]);
        });
        // Group commit (Vbi:Storage:GroupCommit, on unless set to false) puts GroupCommitGrainStorage in front of
        // each store's ADO.NET provider: the same rows and statements, many grains' writes in one transaction.
        var groupCommit = !string.Equals(silo.Configuration["Vbi:Storage:GroupCommit"], "false", StringComparison.OrdinalIgnoreCase);
        foreach (var store in StorageNames.All)
        {
            var provider = groupCommit ? store + AdoNetProviderSuffix : store;
            var connectionString = ForProviders(connections[store]);
            silo.AddAdoNetGrainStorage(provider, o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = connectionString;
            });
            UseBinarySerializer<AdoNetGrainStorageOptions>(silo, provider);
            if (!groupCommit) continue;
            silo.Services.AddGrainStorage(store, (services, name) => new GroupCommitGrainStorage(
                name,
                services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId,
                (AdoNetGrainStorage)services.GetRequiredKeyedService<IGrainStorage>(provider),
                connectionString,
                services.GetRequiredService<ILoggerFactory>().CreateLogger<GroupCommitGrainStorage>()));
        }
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = AdoNetInvariant;
            o.ConnectionString = ForProviders(connections[StorageNames.Membership]);
        });
    }

    /// <summary>
    /// Orleans's binary serializer for a store: compact and version-tolerant through the [Id]s of every state class.
    /// The default JSON (Newtonsoft, with $type on every object) made a meter's row five times larger and was the
    /// largest CPU cost on the print path.
    /// </summary>
    private static void UseBinarySerializer<TOptions>(ISiloBuilder silo, string store) where TOptions : class, IStorageProviderSerializerOptions =>
        silo.Services.AddOptions<TOptions>(store)
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));

    /// <summary>
    /// The address a silo binds to and advertises: an IP literal, or <c>auto</c> for this machine's first
    /// non-loopback IPv4 address (container replicas, whose address is known only at start).
    /// </summary>
    public static IPAddress AdvertisedAddress(string setting)
    {
        if (!string.Equals(setting, "auto", StringComparison.OrdinalIgnoreCase)) return IPAddress.Parse(setting);
        return System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException("Vbi:Cluster:AdvertisedIp is 'auto' but this machine has no non-loopback IPv4 address");
    }
}
