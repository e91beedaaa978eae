using Npgsql;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Grains.Log;
using VbiOrleans.Host.Hosting;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// The shard map a silo routes by, kept current while the silo runs (docs/scaling.md, "Moves"): it reads the
/// membership database's <c>vbi_shard_map</c> every <see cref="PollInterval"/>, and at once when a store finds a
/// bucket fenced or moved, and records the version it routes by in <c>vbi_shard_map_seen</c> so that a move switches
/// a bucket only once every silo routes by the switch. Each read takes every version, for the databases a bucket had.
/// </summary>
public sealed partial class LiveShardMap : BackgroundService, ILiveLogRouting
{
    /// <summary>How often each silo reads the map.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly string _membership;
    private readonly IConfiguration _configuration;
    private readonly ILogger<LiveShardMap> _logger;
    private readonly SemaphoreSlim _reading = new(1, 1);
    private volatile State _state;
    private long _readAt;

    private sealed record State(ShardRouting Routing, IReadOnlyList<ShardMap> Versions);

    public LiveShardMap(ShardRouting startup, string membershipConnectionString, IConfiguration configuration, ILogger<LiveShardMap> logger)
    {
        _membership = membershipConnectionString;
        _configuration = configuration;
        _logger = logger;
        // Every version up to the one the silo started with, before any grain reads a meter's logs: a moved bucket's
        // earlier databases are known from the first read on.
        _state = new State(startup, [.. ReadVersions().Where(v => v.Version < startup.Map.Version), startup.Map]);
    }

    private List<ShardMap> ReadVersions()
    {
        using var connection = new NpgsqlConnection(_membership);
        connection.Open();
        using var read = new NpgsqlCommand("SELECT document FROM vbi_shard_map ORDER BY version", connection);
        using var reader = read.ExecuteReader();
        var versions = new List<ShardMap>();
        while (reader.Read())
        {
            if (ShardMap.Parse(reader.GetString(0), null, out _) is { } map) versions.Add(map);
        }
        return versions;
    }

    /// <summary>The name this silo records its version under (its silo address, set once the silo runs).</summary>
    public string? SiloName { get; set; }

    public ShardRouting Routing => _state.Routing;

    public ShardMap Map => _state.Routing.Map;

    /// <summary>Every version read so far, oldest first.</summary>
    public IReadOnlyList<ShardMap> Versions => _state.Versions;

    /// <summary>The connection string of a database of any version of the map (from configuration; never logged).</summary>
    public string ConnectionString(string database)
    {
        var entry = _state.Versions.Select(v => v.Databases.FirstOrDefault(d => d.Name == database)).LastOrDefault(d => d is not null)
            ?? throw new InvalidOperationException($"no version of the shard map names database '{database}'");
        return _configuration.GetConnectionString(entry.Connection)
            ?? throw new InvalidOperationException($"the shard map's database '{database}' names ConnectionStrings:{entry.Connection}, which is not set on this host");
    }

    public IReadOnlyList<string> ModuleHistory(int bucket) => History(ShardMap.ModuleStore, bucket);

    /// <summary>The databases of one store a bucket has had, oldest first, each once.</summary>
    public IReadOnlyList<string> History(string store, int bucket)
    {
        var names = new List<string>();
        foreach (var map in _state.Versions)
        {
            var name = map.DatabaseOf(store, bucket).Name;
            names.Remove(name);
            names.Add(name);
        }
        return names;
    }

    public ILogStore Open(string database) => new PostgresLogStore(SiloSetup.ForProviders(ConnectionString(database)));

    /// <summary>
    /// Reads the map now, unless a read began after <paramref name="since"/> (a store's many writers that meet one fence
    /// read it once). A map this host cannot route by (a connection string missing) is logged and not taken.
    /// </summary>
    public async Task RefreshAsync(long since, CancellationToken cancellationToken = default)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Read(ref _readAt) > since) return;
            Interlocked.Exchange(ref _readAt, Environment.TickCount64);
            var versions = new List<ShardMap>();
            await using (var connection = new NpgsqlConnection(_membership))
            {
                await connection.OpenAsync(cancellationToken);
                await using var read = new NpgsqlCommand("SELECT document FROM vbi_shard_map ORDER BY version", connection);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (ShardMap.Parse(reader.GetString(0), null, out _) is { } map) versions.Add(map);
                }
            }
            if (versions.Count > 0 && versions[^1].Version > Map.Version)
            {
                if (ShardRouting.Resolve(versions[^1], _configuration, out var failure) is { } routing)
                {
                    _state = new State(routing, versions);
                    LogRouting(routing.Map.Version);
                }
                else LogUnroutable(versions[^1].Version, failure!);
            }
            if (SiloName is { } silo) await RecordSeenAsync(silo, Map.Version, cancellationToken);
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>A point in time to pass to <see cref="RefreshAsync"/>: now.</summary>
    public static long Now() => Environment.TickCount64;

    private async Task RecordSeenAsync(string silo, long version, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_membership);
        await connection.OpenAsync(cancellationToken);
        await using var upsert = new NpgsqlCommand(
            "INSERT INTO vbi_shard_map_seen (silo, version) VALUES ($1, $2) " +
            "ON CONFLICT (silo) DO UPDATE SET version = EXCLUDED.version, seen_at = now() WHERE vbi_shard_map_seen.version <> EXCLUDED.version", connection);
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = silo });
        upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        var polling = Task.CompletedTask;
        do
        {
            try
            {
                await RefreshAsync(Now(), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogReadFailed(e.Message);
            }
            // Apart from the reads, so a move this silo drives never holds its own map back; one at a time.
            if (polling.IsCompleted && Poll is { } poll) polling = PollOnceAsync(poll, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
        await polling;
    }

    private async Task PollOnceAsync(Func<CancellationToken, Task> poll, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Run(() => poll(stoppingToken), stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogPollFailed(e.Message);
        }
    }

    /// <summary>What else runs on each tick: the move coordinator's look for an unfinished move (<see cref="ShardMover"/>).</summary>
    public Func<CancellationToken, Task>? Poll { get; set; }

    [LoggerMessage(Level = LogLevel.Warning, Message = "This silo routes the postal and module stores by shard map version {Version}")]
    private partial void LogRouting(long version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard map version {Version} cannot be routed by on this host ({Failure}); the silo keeps its current version")]
    private partial void LogUnroutable(long version, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for an open shard move failed; the next tick tries again: {Error}")]
    private partial void LogPollFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the shard map failed; the next tick tries again: {Error}")]
    private partial void LogReadFailed(string error);
}
