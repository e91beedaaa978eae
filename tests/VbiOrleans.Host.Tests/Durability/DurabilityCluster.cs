using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Durability;

/// <summary>
/// The durability tests run one at a time and after the rest of the suite: each drives a host as hard as this 2-core
/// machine allows, and its timings mean nothing with another load beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DurabilityCollection
{
    public const string Name = "Durability (one at a time)";
}

/// <summary>
/// A Cluster-profile host on a scratch database of its own (all four stores, and so the transaction log, in it), with
/// the shared SoftHSM2 token. The host can be SIGKILLed and started again on the same database and cluster id.
/// </summary>
public sealed class DurabilityCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _environment;

    private DurabilityCluster(string database, string clusterId, Dictionary<string, string?> environment)
    {
        Database = database;
        ClusterId = clusterId;
        _environment = environment;
    }

    public string Database { get; }
    public string ClusterId { get; }
    public HostProcess Host { get; private set; } = null!;

    /// <summary>Creates the scratch database and starts the first host on it (the schema is applied on start).</summary>
    public static async Task<DurabilityCluster> StartAsync(string prefix, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await LocalServices.CreateScratchDatabaseAsync(prefix);
        var clusterId = prefix.Replace('_', '-') + "-" + Guid.NewGuid().ToString("N")[..8];
        var environment = HostEnvironment.Cluster(clusterId, HostEnvironment.AllStoresIn(database));
        environment["Vbi__Database__InitializeOnStart"] = "true";
        // Prints here come from one operator at one address, far above the per-client limits a customer has.
        environment["Vbi__Api__RateLimit__Enabled"] = "false";
        // A silo joining validates its connectivity to every silo the table lists as active, and a SIGKILLed one stays
        // listed until its IAmAlive is 3 periods old: 90 s by default, 15 s here.
        environment["Vbi__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) environment[key] = value;
        var cluster = new DurabilityCluster(database, clusterId, environment);
        await cluster.StartHostAsync();
        return cluster;
    }

    /// <summary>Starts a host (new HTTP, silo and gateway ports; same database and cluster id) and waits until it is ready.</summary>
    public async Task StartHostAsync()
    {
        _environment["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        _environment["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        Host = HostProcess.Start(_environment);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
    }

    /// <summary>Meters provisioned, licensed, activated and funded through an Orleans client on the cluster.</summary>
    public Task<IReadOnlyList<string>> FundedMetersAsync(int count, long fundMills) =>
        ClusterClients.FundedMetersAsync(LocalServices.ConnectionString(Database), ClusterId, count, fundMills);

    /// <summary>The transaction log's rows in the module store (this database): (meter, kind, public payload) in arrival order.</summary>
    public async Task<List<(string MeterId, short Kind, byte[] PublicPayload)>> LogRowsAsync() =>
        [.. (await LocalServices.RowsAsync(Database, "SELECT meter_id, kind, public_payload FROM vbi_log ORDER BY id"))
            .Select(r => ((string)r[0]!, (short)r[1]!, (byte[])r[2]!))];

    public static string Key() => ClusterClients.Key();

    /// <summary>Stops the host; the scratch database is dropped only when <paramref name="dropDatabase"/> (a passing test).</summary>
    public async Task StopAsync(bool dropDatabase)
    {
        await Host.DisposeAsync();
        if (!dropDatabase) return;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(LocalServices.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
