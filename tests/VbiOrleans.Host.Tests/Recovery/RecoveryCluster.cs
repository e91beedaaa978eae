using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using VbiOrleans.Admin;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// One Cluster-profile host process on four scratch databases of its own (so the postal store can be wiped or
/// restored alone, as a lost or restored database would be) and a blob container of its own on Azurite for the
/// archive, with an Orleans client on it. The host can be SIGKILLed and started again on the same databases, ports
/// and container. Everything is dropped on dispose.
/// </summary>
public sealed class RecoveryCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private readonly Dictionary<string, string> _databases;
    private IHost? _client;

    public Dictionary<string, string?> Environment { get; }
    public string ClusterId { get; }
    public string Container { get; }
    public HostProcess? Host { get; private set; }
    public IClusterClient Grains => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("no client: start the host first");
    public string PostalDatabase => _databases["postal"];
    public string ModuleDatabase => _databases["module"];

    private RecoveryCluster(string clusterId, Dictionary<string, string> databases)
    {
        ClusterId = clusterId;
        _databases = databases;
        Container = clusterId;
        Environment = HostEnvironment.Cluster(clusterId, databases.ToDictionary(d => d.Key, d => LocalServices.ConnectionString(d.Value)));
        Environment["Vbi__Database__InitializeOnStart"] = "true";
        Environment["Vbi__Archive__Container"] = Container;
    }

    /// <summary>Creates the four scratch databases (vbi_rec_{postal,module,commerce,membership}_…) and the environment.</summary>
    public static async Task<RecoveryCluster> CreateAsync(string name)
    {
        var clusterId = $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 13, 40)].ToLowerInvariant();
        var databases = new Dictionary<string, string>();
        foreach (var store in new[] { "postal", "module", "commerce", "membership" })
            databases[store] = await LocalServices.CreateScratchDatabaseAsync($"vbi_rec_{store}");
        return new RecoveryCluster(clusterId, databases);
    }

    /// <summary>Starts a host process (same databases, ports and container every time) and connects a new client.</summary>
    public async Task StartAsync()
    {
        if (Host is { HasExited: false }) throw new InvalidOperationException("the host is already running");
        if (Host is not null) await Host.DisposeAsync();
        Host = HostProcess.Start(Environment);
        await Host.WaitUntilReadyAsync(ReadyTimeout);

        _client = await ClusterClients.ConnectAsync(LocalServices.ConnectionString(_databases["membership"]),
            Environment["Vbi__Cluster__ClusterId"]!, Environment["Vbi__Cluster__ServiceId"]);
    }

    /// <summary>
    /// SIGKILL: no shutdown, no flushing; every activation's state in memory is gone. The client is stopped first
    /// (nothing is in flight then), so it does not spend the test reconnecting to a dead gateway.
    /// </summary>
    public async Task KillHostAsync()
    {
        await StopClientAsync();
        Host!.KillHard();
        Assert.True(Host.HasExited, "the host survived SIGKILL");
    }

    public HttpClient Operator() => OperatorHttp.Client(Host!.BaseAddress);

    /// <summary>POST /v1/operator/log/ship, and checks that everything sealed reached the archive.</summary>
    public async Task<JsonElement> ShipLogAsync()
    {
        using var http = Operator();
        using var response = await http.PostAsync("/v1/operator/log/ship", null);
        var status = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {status}");
        Assert.True(status.GetProperty("lastShipError").ValueKind == JsonValueKind.Null, $"shipping failed: {status}");
        Assert.True(status.GetProperty("shipped").GetInt64() == status.GetProperty("size").GetInt64() && status.GetProperty("size").GetInt64() > 0,
            $"the archive lags the log after shipping: {status}");
        return status;
    }

    /// <summary>Runs <c>vbi-admin</c> in process with the operator key in its environment.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> AdminAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await AdminApp.RunAsync(args, stdout, stderr,
            name => name == AdminApp.OperatorKeyVariable ? HostEnvironment.OperatorKey : null);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public Task<(int Exit, string Stdout, string Stderr)> RecoverAsync() =>
        AdminAsync("recover", "--server", Host!.BaseAddress.ToString(), "--operator", HostEnvironment.OperatorName,
            "--archive", LocalServices.ArchiveConnectionString, "--container", Container);

    /// <summary>Runs SQL on the postal scratch database; returns the rows affected.</summary>
    public async Task<int> PostalAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(LocalServices.ConnectionString(PostalDatabase));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<long> MeterRowsAsync() =>
        await LocalServices.ScalarAsync<long>(PostalDatabase, "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'meter'");

    public string Transcript() => Host?.Transcript() ?? "(no host)";

    private async Task StopClientAsync()
    {
        if (_client is null) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _client.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The host goes next whatever the client does.
        }
        _client.Dispose();
        _client = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopClientAsync();
        if (Host is not null) await Host.DisposeAsync();
        try
        {
            await new BlobContainerClient(LocalServices.ArchiveConnectionString, Container).DeleteIfExistsAsync();
        }
        catch (Azure.RequestFailedException)
        {
            // A container left behind costs nothing; the test's outcome is already decided.
        }
        await using var connection = new NpgsqlConnection(LocalServices.ConnectionString("postgres"));
        await connection.OpenAsync();
        foreach (var database in _databases.Values)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
