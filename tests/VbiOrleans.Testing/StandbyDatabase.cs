using System.Diagnostics;
using Npgsql;

namespace VbiOrleans.Testing;

/// <summary>How the primary of a <see cref="StandbyDatabase"/> waits for its standby.</summary>
public enum ReplicationMode
{
    /// <summary>A commit returns once it is on the primary's disk; the standby may lag, so a crash can lose it.</summary>
    Asynchronous,

    /// <summary>A commit returns once the standby has flushed it too: an acknowledged commit survives the primary's crash.</summary>
    Synchronous,
}

/// <summary>
/// A PostgreSQL primary and its streaming standby, two clusters of their own on loopback, started through
/// <c>infra/local/services.sh replica-pair</c>. Failover tests kill this primary; the shared cluster on 55432 that other
/// tests use is never touched. Each instance has a unique name, so tests running at once get separate pairs.
/// </summary>
public sealed class StandbyDatabase : IAsyncDisposable
{
    /// <summary>The four stores and their databases, as in the main cluster (vbi_postal, ...).</summary>
    public static readonly IReadOnlyList<string> Stores = ["postal", "module", "commerce", "membership"];

    private readonly IReadOnlyDictionary<string, string> _env;
    private bool _stopped;

    private StandbyDatabase(string name, string envFile, IReadOnlyDictionary<string, string> env)
    {
        Name = name;
        EnvFile = envFile;
        _env = env;
    }

    public string Name { get; }

    /// <summary>The pair's env file (sourceable): ports, data directories and connection strings.</summary>
    public string EnvFile { get; }

    public ReplicationMode Mode => Value("VBI_REPLICA_SYNC") == "on" ? ReplicationMode.Synchronous : ReplicationMode.Asynchronous;
    public int PrimaryPort => int.Parse(Value("VBI_REPLICA_PRIMARY_PORT"));
    public int StandbyPort => int.Parse(Value("VBI_REPLICA_STANDBY_PORT"));
    public string PrimaryDataDirectory => Value("VBI_REPLICA_PRIMARY_DATA");
    public string StandbyDataDirectory => Value("VBI_REPLICA_STANDBY_DATA");

    /// <summary>Npgsql connection string for a database on the primary, in the format of the main env file.</summary>
    public string PrimaryConnectionString(string database) => $"{Value("VBI_REPLICA_PRIMARY_BASE")};Database={database}";

    /// <summary>Npgsql connection string for a database on the standby (read-only until <see cref="PromoteAsync"/>).</summary>
    public string StandbyConnectionString(string database) => $"{Value("VBI_REPLICA_STANDBY_BASE")};Database={database}";

    /// <summary>Store name to connection string on the primary: give it to a host as its <c>ConnectionStrings</c>.</summary>
    public IReadOnlyDictionary<string, string> PrimaryStores => Stores.ToDictionary(s => s, s => Value($"VBI_REPLICA_PRIMARY_{s.ToUpperInvariant()}"));

    /// <summary>Store name to connection string on the standby: where the silos go after the promotion.</summary>
    public IReadOnlyDictionary<string, string> StandbyStores => Stores.ToDictionary(s => s, s => Value($"VBI_REPLICA_STANDBY_{s.ToUpperInvariant()}"));

    /// <summary>Creates a new pair and returns once the standby streams from the primary (and, if synchronous, counts as such).</summary>
    public static async Task<StandbyDatabase> StartAsync(ReplicationMode mode = ReplicationMode.Asynchronous, string? name = null)
    {
        name ??= "sb" + Guid.NewGuid().ToString("N")[..10];
        string[] arguments = mode == ReplicationMode.Synchronous ? ["start", name, "--sync"] : ["start", name];
        var stdout = await RunScriptAsync(TimeSpan.FromMinutes(3), arguments);
        var envFile = stdout.Trim().Split('\n')[^1].Trim();
        try
        {
            return new StandbyDatabase(name, envFile, ReadEnvFile(envFile));
        }
        catch
        {
            await RunScriptAsync(TimeSpan.FromMinutes(1), "stop", name);
            throw;
        }
    }

    /// <summary>SIGKILL to the primary's postmaster and its children: a crash, with no shutdown checkpoint.</summary>
    public Task KillPrimaryAsync() => RunScriptAsync(TimeSpan.FromSeconds(30), "kill-primary", Name);

    /// <summary>Promotes the standby; returns once it accepts writes.</summary>
    public Task PromoteAsync() => RunScriptAsync(TimeSpan.FromSeconds(90), "promote", Name);

    /// <summary>Bytes of WAL the primary has written that the standby has not yet replayed (0 when caught up).</summary>
    public async Task<long> ReplicationLagBytesAsync()
    {
        var primaryLsn = await PrimaryWalLsnAsync();
        var lag = await QueryAsync(StandbyConnectionString("postgres"),
            "SELECT pg_wal_lsn_diff(@lsn::pg_lsn, pg_last_wal_replay_lsn())", ("lsn", primaryLsn));
        return Math.Max(0, (long)(decimal)lag!);
    }

    /// <summary>
    /// Waits until the standby has replayed everything the primary had written when this was called, so every
    /// transaction committed before the call can be read on the standby. Returns how long that took.
    /// </summary>
    public async Task<TimeSpan> WaitForStandbyCaughtUpAsync(TimeSpan? timeout = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var target = await PrimaryWalLsnAsync();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        while (true)
        {
            var behind = (decimal)(await QueryAsync(StandbyConnectionString("postgres"),
                "SELECT pg_wal_lsn_diff(@lsn::pg_lsn, pg_last_wal_replay_lsn())", ("lsn", target)))!;
            if (behind <= 0) return stopwatch.Elapsed;
            if (stopwatch.Elapsed > limit)
            {
                throw new TimeoutException($"the standby of replica pair {Name} is still {behind} bytes behind {target} after {limit}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Applies the project's schema to the primary with <c>VbiOrleans.Host init-db</c> (through infra/local/host.sh),
    /// given a host environment (the Cluster profile's); its connection strings are replaced by the primary's.
    /// </summary>
    public async Task InitializeSchemaAsync(IReadOnlyDictionary<string, string?> hostEnvironment)
    {
        var env = hostEnvironment.ToDictionary(e => e.Key, e => e.Value);
        foreach (var (store, connectionString) in PrimaryStores) env[$"ConnectionStrings__{store}"] = connectionString;
        await using var init = HostProcess.Start(env, "init-db");
        var exit = await init.WaitForExitAsync(TimeSpan.FromSeconds(120));
        if (exit != 0) throw new InvalidOperationException($"init-db against replica pair {Name} exited with {exit}:\n{init.Transcript()}");
    }

    /// <summary>Stops both clusters and deletes their data.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await RunScriptAsync(TimeSpan.FromMinutes(1), "stop", Name);
    }

    private string Value(string variable) =>
        _env.TryGetValue(variable, out var value) ? value : throw new InvalidOperationException($"{EnvFile} has no {variable}");

    private async Task<string> PrimaryWalLsnAsync() =>
        (string)(await QueryAsync(PrimaryConnectionString("postgres"), "SELECT pg_current_wal_lsn()::text"))!;

    // Unpooled: a pool would keep connections to a primary the test is about to kill.
    private static async Task<object?> QueryAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Reads the <c>export NAME=value</c> / <c>export NAME='value'</c> lines services.sh writes.</summary>
    private static Dictionary<string, string> ReadEnvFile(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (!line.StartsWith("export ", StringComparison.Ordinal)) continue;
            var equals = line.IndexOf('=');
            if (equals < 0) continue;
            var value = line[(equals + 1)..];
            if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'') value = value[1..^1];
            values[line["export ".Length..equals]] = value;
        }
        return values;
    }

    private static async Task<string> RunScriptAsync(TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = LocalServices.RepositoryRoot,
        };
        info.ArgumentList.Add(Path.Combine(LocalServices.RepositoryRoot, "infra", "local", "services.sh"));
        info.ArgumentList.Add("replica-pair");
        foreach (var a in arguments) info.ArgumentList.Add(a);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start infra/local/services.sh");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"services.sh replica-pair {string.Join(' ', arguments)} did not finish within {timeout}:\n{await stderr}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"services.sh replica-pair {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stderr}");
        }
        return await stdout;
    }
}
