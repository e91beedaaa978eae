using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Hsm;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Database;
using VbiOrleans.Host.Hosting;
using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Fixtures;

/// <summary>
/// Three silos on the local PostgreSQL: ADO.NET clustering (so any silo, the first included, can be killed),
/// ADO.NET grain storage for the four stores, the project's own schema scripts. Each run uses its own cluster and
/// service id, so rows of earlier runs never leak in.
/// </summary>
public class PostgresClusterFixture : IAsyncLifetime
{
    public static readonly InMemoryHsm SharedHsm = new();

    /// <summary>
    /// Module memory and the transaction log get a database of this test process: their keys live in
    /// <see cref="SharedHsm"/>, which is new in every run, so a log key wrapped by an earlier run's HSM must not be found.
    /// </summary>
    public static readonly Lazy<string> ModuleDatabase = new(() => LocalServices.CreateScratchDatabaseAsync("vbi_grains_module").GetAwaiter().GetResult());

    public TestCluster Cluster { get; private set; } = null!;

    protected virtual short SiloCount => 3;

    /// <summary>The tamper tests inhibit meters on purpose, so this cluster never stops system-wide.</summary>
    protected virtual int ShutdownThreshold => 1_000_000;

    public async Task InitializeAsync()
    {
        var connections = Connections();
        await SchemaInstaller.ApplyAsync(connections, _ => { }, CancellationToken.None);

        var builder = new TestClusterBuilder(SiloCount);
        var id = "grains-" + Guid.NewGuid().ToString("N")[..8];
        builder.Options.ClusterId = id;
        builder.Options.ServiceId = id;
        builder.Options.UseTestClusterMembership = false;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.Properties["ShutdownThreshold"] = ShutdownThreshold.ToString();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    internal static StoreConnections Connections()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalServices.StoreConnectionStrings.Select(kv =>
                new KeyValuePair<string, string?>($"ConnectionStrings:{kv.Key}",
                    kv.Key == Abstractions.StorageNames.Module ? LocalServices.ConnectionString(ModuleDatabase.Value) : kv.Value)))
            .Build();
        return StoreConnections.Read(config, out var error) ?? throw new InvalidOperationException(error);
    }

    /// <summary>Where the silos of this test run ship the transaction log.</summary>
    public static readonly string ArchiveFolder = Path.Combine(Path.GetTempPath(), "vbi-grains-archive-" + Environment.ProcessId);

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            SiloSetup.ConfigureAdoNet(silo, Connections());
            // In-process silos share one HSM, as silos on one machine share one SoftHSM2 token.
            silo.Services.AddSingleton<IHsm>(SharedHsm);
            // The log in the module database, as in the Cluster profile; the archive in a folder of this test run.
            silo.Services.AddSingleton<VbiOrleans.Grains.Log.ILogStore>(new VbiOrleans.Grains.Log.PostgresLogStore(Connections()[Abstractions.StorageNames.Module]));
            silo.Services.AddSingleton<VbiOrleans.Grains.Archive.IArchiveStore>(new VbiOrleans.Grains.Archive.FolderArchiveStore(ArchiveFolder));
            SiloSetup.AddVbiServices(silo);
            // These silos exercise meters, not commerce: PVDs are funded without purchases (test mode only).
            silo.Services.Configure<Grains.Commerce.PurchaseOptions>(o => o.AcceptUnpaidPvds = true);
            silo.Services.Configure<Grains.Provider.ProviderOptions>(o => o.Licensing.ApproveAtOnce = true);
            var threshold = int.Parse(silo.Configuration["ShutdownThreshold"] ?? "1000000");
            silo.Services.Configure<ModuleOptions>(o =>
            {
                o.ShutdownThreshold = threshold;
                o.PoolTarget = 4;
            });
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            });
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) =>
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = SiloSetup.AdoNetInvariant;
                o.ConnectionString = Connections()[Abstractions.StorageNames.Membership];
            });
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresClusterCollection : ICollectionFixture<PostgresClusterFixture>
{
    public const string Name = "3-silo cluster on PostgreSQL";
}

/// <summary>One silo whose system-wide stop trips after a single verification failure.</summary>
public sealed class GuardClusterFixture : PostgresClusterFixture
{
    protected override short SiloCount => 1;
    protected override int ShutdownThreshold => 1;
}
