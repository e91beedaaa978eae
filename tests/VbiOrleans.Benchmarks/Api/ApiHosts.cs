using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using VbiOrleans.Testing;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>
/// The hosts of an <c>--api</c> run, started through infra/local/host.sh like the tests' (HostProcess): in the Cluster
/// profile every store in a scratch database of its own on the local PostgreSQL (created here, schema applied by the
/// first host, dropped on dispose) and an archive container of their own on Azurite, SoftHSM2 as the HSM; in the Local
/// profile one host with in-memory stores. Rate limits are lifted; password hashing is cheaper than production's
/// (20,000 PBKDF2 iterations) because it only costs the untimed sign-ups, never a print.
/// </summary>
public sealed class ApiHosts : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(180);
    private static readonly string[] Stores = ["postal", "module", "commerce", "membership"];

    private readonly ApiOptions _options;
    private readonly List<HostProcess> _hosts = [];
    private readonly string _dataDirectory;

    public string ClusterId { get; }

    /// <summary>The operator's key, made for this run; the hosts only get its hash.</summary>
    public string OperatorKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    public const string OperatorName = "bench-operator";

    /// <summary>Store name to scratch database name (Cluster profile; empty in the Local profile).</summary>
    public IReadOnlyDictionary<string, string> Databases { get; }

    public IReadOnlyList<HostProcess> Hosts => _hosts;

    /// <summary>The postal/module database pairs of <c>--db-pairs</c> 2 or more, or null (the stores' one database each).</summary>
    public DatabasePairs? Pairs { get; private set; }

    /// <summary>Every database of the run (Cluster profile): the stores' scratch databases by store, then the shard map's by their names in it.</summary>
    public IReadOnlyList<(string Label, string ConnectionString)> RunDatabases =>
        [.. Databases.Select(d => (d.Key, LocalServices.ConnectionString(d.Value))),
         .. (Pairs?.Databases ?? []).OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => (d.Key, d.Value.Server.ConnectionString(d.Value.Database)))];

    /// <summary>The PostgreSQL servers of the run: the local one, then the extra ones of <see cref="Pairs"/>.</summary>
    public IReadOnlyList<BenchServer> Servers => Pairs?.Servers
        ?? [new BenchServer(0, "local", int.Parse(LocalServices.Require("VBI_PG_PORT"), CultureInfo.InvariantCulture), LocalServices.PostgresBase)];

    private ApiHosts(ApiOptions options)
    {
        _options = options;
        ClusterId = "benchapi-" + Guid.NewGuid().ToString("N")[..10];
        _dataDirectory = Path.Combine(Path.GetTempPath(), ClusterId);
        var suffix = ClusterId["benchapi-".Length..];
        Databases = options.Profile == BenchmarkProfile.Cluster
            ? Stores.ToDictionary(s => s, s => $"vbi_bench_{s}_{suffix}")
            : new Dictionary<string, string>();
    }

    public static async Task<ApiHosts> StartAsync(ApiOptions options, TextWriter progress, CancellationToken cancellation)
    {
        var hosts = new ApiHosts(options);
        try
        {
            await hosts.StartHostsAsync(progress, cancellation);
            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    private async Task StartHostsAsync(TextWriter progress, CancellationToken cancellation)
    {
        if (_options.Profile == BenchmarkProfile.Cluster)
        {
            await using var connection = new NpgsqlConnection(LocalServices.ConnectionString("postgres"));
            await connection.OpenAsync(cancellation);
            foreach (var database in Databases.Values)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
                await create.ExecuteNonQueryAsync(cancellation);
                if (_options.LogStatements)
                {
                    await using var log = new NpgsqlCommand($"ALTER DATABASE \"{database}\" SET log_statement = 'all'", connection);
                    await log.ExecuteNonQueryAsync(cancellation);
                }
            }
            progress.WriteLine($"[bench] scratch databases: {string.Join(", ", Databases.Values)}");
        }

        if (_options.DbPairs > 1) await SetShardMapAsync(progress, cancellation);

        // The first host applies the schema and prepares the module keys; the others join once it is ready.
        await StartAsync(0, initialize: true, progress, cancellation);
        for (var i = 1; i < _options.Hosts; i++) await StartAsync(i, initialize: false, progress, cancellation);
    }

    /// <summary>
    /// The database pairs and their shard map, set as an operator sets it (<c>PUT /v1/operator/shards</c>) on a first
    /// host started with an empty meter pool (a map may not move a bucket that holds meters), which then stops: a map
    /// applies from a silo's next start.
    /// </summary>
    private async Task SetShardMapAsync(TextWriter progress, CancellationToken cancellation)
    {
        Pairs = await DatabasePairs.StartAsync(_options.DbPairs, ClusterId["benchapi-".Length..][..6], progress, cancellation);
        await StartAsync(0, initialize: true, progress, cancellation, poolTarget: 0);
        var host = _hosts[0];
        using (var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) })
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OperatorName}:{OperatorKey}")));
            using var response = await http.PutAsync("/v1/operator/shards",
                new StringContent(Pairs.MapDocument(), Encoding.UTF8, "application/json"), cancellation);
            if (!response.IsSuccessStatusCode)
                throw new BenchmarkFailure($"PUT /v1/operator/shards answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellation)}");
        }
        progress.WriteLine($"[bench] shard map set: {DatabasePairs.Buckets} buckets over {_options.DbPairs} pairs; restarting with it");
        await host.DisposeAsync();
        _hosts.Clear();
    }

    private async Task StartAsync(int index, bool initialize, TextWriter progress, CancellationToken cancellation, int? poolTarget = null)
    {
        var environment = Environment(index, initialize);
        if (poolTarget is { } target) environment["Vbi__Module__PoolTarget"] = target.ToString(CultureInfo.InvariantCulture);
        var host = HostProcess.Start(environment);
        _hosts.Add(host);
        progress.WriteLine($"[bench] host {index + 1}/{_options.Hosts}: pid {host.Pid}, {_options.Profile} profile, http {host.HttpPort}, cluster {ClusterId}");
        try
        {
            await host.WaitUntilReadyAsync(ReadyTimeout).WaitAsync(cancellation);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new BenchmarkFailure($"host {index + 1} did not become ready: {e.Message}", e);
        }
    }

    private Dictionary<string, string?> Environment(int index, bool initialize)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Vbi__Profile"] = _options.Profile.ToString(),
            // The benchmark measures meters, not commerce: PVDs without purchases (test mode only).
            ["Vbi__Purchases__AcceptUnpaidPvds"] = "true",
            ["Vbi__Payments__Provider"] = "test-mode",
            ["Vbi__Provider__Licensing__ApproveAtOnce"] = "true",
            ["Vbi__Cluster__ClusterId"] = ClusterId,
            ["Vbi__Cluster__ServiceId"] = ClusterId,
            ["Vbi__Cluster__SiloName"] = $"{ClusterId}-{index}",
            ["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Vbi__DataDirectory"] = _dataDirectory,
            ["Vbi__Operators__0__Name"] = OperatorName,
            ["Vbi__Operators__0__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OperatorKey))),
            ["Vbi__Api__RateLimit__Enabled"] = "false",
            ["Vbi__Module__PasswordIterations"] = "20000",
            ["Vbi__Api__AccountPasswordIterations"] = "20000",
        };
        if (_options.Profile == BenchmarkProfile.Cluster)
        {
            foreach (var (key, value) in HostLauncher.ClusterEnvironment()) environment[key] = value;
            foreach (var (store, database) in Databases) environment[$"ConnectionStrings__{store}"] = LocalServices.ConnectionString(database);
            // A new module database beside an archive that holds another log is a lost module database: a container of its own.
            environment["Vbi__Archive__Container"] = "vbi-" + ClusterId;
            environment["Vbi__Database__InitializeOnStart"] = initialize ? "true" : "false";
            if (Pairs is not null) foreach (var (key, value) in Pairs.HostEnvironment) environment[key] = value;
        }
        foreach (var (key, value) in _options.HostEnvironment) environment[key] = value;
        return environment;
    }

    /// <summary>The last lines every host wrote, for a failure report.</summary>
    public string Transcripts() =>
        string.Join("\n", _hosts.Select((h, i) => $"--- host {i + 1} (pid {h.Pid}) ---\n{h.Transcript()}"));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_hosts.Select(h => h.DisposeAsync().AsTask()));
        if (_options.HostOutput is { } file)
        {
            await File.WriteAllLinesAsync(file, _hosts.SelectMany((h, i) =>
                h.Output.Select(l => $"h{i + 1} {l}").Concat(h.Errors.Select(l => $"h{i + 1} stderr {l}"))));
        }
        _hosts.Clear();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
        if (Pairs is not null) await Pairs.DisposeAsync();
        if (Databases.Count == 0) return;
        try
        {
            await using var connection = new NpgsqlConnection(LocalServices.ConnectionString("postgres"));
            await connection.OpenAsync();
            foreach (var database in Databases.Values)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // A scratch database left behind costs disk only; the run's figures stand.
        }
    }
}
