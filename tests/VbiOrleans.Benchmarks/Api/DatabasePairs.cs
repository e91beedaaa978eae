using System.Globalization;
using System.Text.Json;
using Npgsql;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Testing;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>A PostgreSQL server of a run: the local one (index 0) or one started by services.sh extra-pg.</summary>
public sealed record BenchServer(int Index, string Label, int Port, string BaseConnectionString)
{
    public string Address => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string ConnectionString(string database) => $"{BaseConnectionString};Database={database}";
}

/// <summary>
/// <c>--db-pairs N</c> (2 or 3): the <c>postal</c> and <c>module</c> stores spread over N postal/module database pairs
/// on N PostgreSQL servers by a shard map (docs/scaling.md). Server 0 is the local one (it also keeps every store's
/// configured database: commerce, membership, the pool, the log); servers 1 to N-1 are started here through
/// <c>infra/local/services.sh extra-pg</c> and stopped (deleted) on dispose. Pair i has its postal database on server
/// i and its module database on server (i+1) mod N, so no pair has its two halves on one server; bucket b belongs to
/// pair b mod N.
/// </summary>
public sealed class DatabasePairs : IAsyncDisposable
{
    /// <summary>Buckets of the map: 16 spread the meters of a run evenly enough over 2 or 3 pairs.</summary>
    public const int Buckets = 16;


    private readonly List<BenchServer> _servers = [];
    private readonly string _suffix;

    private DatabasePairs(int pairs, string suffix)
    {
        Pairs = pairs;
        _suffix = suffix;
    }

    public int Pairs { get; }

    public IReadOnlyList<BenchServer> Servers => _servers;

    /// <summary>Map database name (postal-1, module-2, …) to its server and database name.</summary>
    public Dictionary<string, (BenchServer Server, string Database)> Databases { get; } = new(StringComparer.Ordinal);

    /// <summary>The <c>ConnectionStrings__…</c> every host needs for the map's databases (they hold passwords: never logged).</summary>
    public IEnumerable<KeyValuePair<string, string?>> HostEnvironment =>
        Databases.Select(d => new KeyValuePair<string, string?>($"ConnectionStrings__{Connection(d.Key)}", d.Value.Server.ConnectionString(d.Value.Database)));

    public static async Task<DatabasePairs> StartAsync(int pairs, string suffix, TextWriter progress, CancellationToken cancellation)
    {
        var result = new DatabasePairs(pairs, suffix);
        try
        {
            result._servers.Add(new BenchServer(0, "local", int.Parse(LocalServices.Require("VBI_PG_PORT"), CultureInfo.InvariantCulture), LocalServices.PostgresBase));
            for (var i = 1; i < pairs; i++)
            {
                var name = result.ExtraName(i);
                progress.WriteLine($"[bench] services.sh extra-pg start {name}");
                result._servers.Add(await StartExtraAsync(i, name, cancellation));
            }
            for (var i = 0; i < pairs; i++)
            {
                await result.CreateAsync($"postal-{i}", result._servers[i], cancellation);
                await result.CreateAsync($"module-{i}", result._servers[(i + 1) % pairs], cancellation);
            }
            progress.WriteLine("[bench] database pairs: " + string.Join(", ", Enumerable.Range(0, pairs).Select(i =>
                $"pair {i} postal on {result._servers[i].Label} ({result._servers[i].Address}), module on {result._servers[(i + 1) % pairs].Label}")));
            return result;
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }
    }

    /// <summary>The shard map, version 1: every database on its server, bucket b on pair b mod N.</summary>
    public string MapDocument() => JsonSerializer.Serialize(new
    {
        format = ShardMap.FormatName,
        version = 1,
        buckets = Buckets,
        hash = ShardMap.HashName,
        databases = Databases.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new
        {
            name = d.Key,
            store = d.Key.StartsWith("postal", StringComparison.Ordinal) ? ShardMap.PostalStore : ShardMap.ModuleStore,
            server = d.Value.Server.Address,
            connection = Connection(d.Key),
        }).ToArray(),
        postal = Enumerable.Range(0, Buckets).Select(b => $"postal-{b % Pairs}").ToArray(),
        module = Enumerable.Range(0, Buckets).Select(b => $"module-{b % Pairs}").ToArray(),
    });

    /// <summary>The label of a database for the report: its map name, or null for a database not of the map.</summary>
    public string? LabelOf(BenchServer server, string database) =>
        Databases.FirstOrDefault(d => d.Value.Server.Index == server.Index && d.Value.Database == database).Key;

    private static string Connection(string database) => "bench_" + database.Replace('-', '_');

    private string ExtraName(int index) => $"bench-{_suffix}-{index}";

    private async Task CreateAsync(string name, BenchServer server, CancellationToken cancellation)
    {
        var database = $"vbi_bench_{name.Replace('-', '_')}_{_suffix}";
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync(cancellation);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await create.ExecuteNonQueryAsync(cancellation);
        Databases[name] = (server, database);
    }

    private static async Task<BenchServer> StartExtraAsync(int index, string name, CancellationToken cancellation)
    {
        await RunScriptAsync("start", name, cancellation);
        var (port, baseConnectionString) = await Script(() => ExtraPostgresScript.EnvironmentOfAsync(name, cancellation));
        return new BenchServer(index, name, port, baseConnectionString);
    }

    private static Task<string> RunScriptAsync(string action, string name, CancellationToken cancellation) =>
        Script(() => ExtraPostgresScript.RunAsync(action, name, cancellation));

    /// <summary>The script's failures as the benchmark reports its own.</summary>
    private static async Task<T> Script<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new BenchmarkFailure(e.Message);
        }
    }

    /// <summary>Drops the map's databases on the local server and stops (deletes) the extra servers.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var (_, (server, database)) in Databases.Where(d => d.Value.Server.Index == 0))
        {
            try
            {
                await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // A scratch database left behind costs disk only.
            }
        }
        foreach (var server in _servers.Where(s => s.Index > 0))
        {
            try
            {
                await RunScriptAsync("stop", server.Label, CancellationToken.None);
            }
            catch (BenchmarkFailure)
            {
                // Reported by services.sh on standard error; `services.sh extra-pg stop NAME` removes it by hand.
            }
        }
    }
}
