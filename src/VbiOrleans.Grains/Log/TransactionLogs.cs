using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Grains.Shards;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// Where one log's objects are in the archive: the home log under <c>log/</c>, the log of a module database of the
/// shard map under <c>logs/{name}/</c>, each with the same layout inside (docs/transaction-log.md).
/// </summary>
public sealed record LogArchiveLayout(string Prefix)
{
    public static readonly LogArchiveLayout Home = new("log/");

    /// <summary>The folder under which each module database's log has its own prefix.</summary>
    public const string ShardsPrefix = "logs/";

    public static LogArchiveLayout OfShard(string name) => new($"{ShardsPrefix}{name}/");

    public string SegmentsPrefix => Prefix + "segments/";
    public string CheckpointsPrefix => Prefix + "checkpoints/";
    public string VerifierKeyName => Prefix + "verifier-key.txt";
    public string KeyTokenName => Prefix + "log-key.token";

    public string SegmentName(long start, long end) => $"{SegmentsPrefix}{start:D12}-{end:D12}.vbilog";

    public string CheckpointName(long size) => $"{CheckpointsPrefix}{size:D12}.note";

    /// <summary>
    /// The logs an archive holds, by name: the home log when it has anything under <c>log/</c>, then every
    /// <c>logs/{name}/</c> in name order.
    /// </summary>
    public static async Task<IReadOnlyList<(string Name, LogArchiveLayout Layout)>> InArchiveAsync(IArchiveStore archive, CancellationToken cancellationToken = default)
    {
        var logs = new List<(string, LogArchiveLayout)>();
        if ((await archive.ListAsync(Home.Prefix, cancellationToken)).Count > 0) logs.Add((TransactionLogs.HomeName, Home));
        var names = (await archive.ListAsync(ShardsPrefix, cancellationToken))
            .Select(n => n[ShardsPrefix.Length..].Split('/', 2)[0])
            .Where(n => n.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        logs.AddRange(names.Select(n => (n, OfShard(n))));
        return logs;
    }

    /// <summary>The origin line of a log's checkpoints: the home log's is the configured origin, a shard log's that and its name.</summary>
    public static string OriginOf(string homeOrigin, string name) => name == TransactionLogs.HomeName ? homeOrigin : $"{homeOrigin}/{name}";
}

/// <summary>
/// The log stores of a shard map's module databases, by database name (only those some bucket uses), and the map
/// that routes meters to them. Registered by the Cluster profile when a map is set.
/// </summary>
public sealed record LogShards(ShardMap Map, IReadOnlyDictionary<string, ILogStore> Stores);

/// <summary>
/// The shard map a silo routes by now (docs/scaling.md, "Moves"): it changes while the silo runs, when a database is
/// added or a bucket moves. With it, <see cref="TransactionLogs"/> routes each append by the version in force and opens
/// the log of a module database the first time a bucket names it.
/// </summary>
public interface ILiveLogRouting
{
    /// <summary>The map in force on this silo.</summary>
    ShardMap Map { get; }

    /// <summary>The module databases a bucket has had, oldest first (the last is its database now).</summary>
    IReadOnlyList<string> ModuleHistory(int bucket);

    /// <summary>The log store of a module database of the map (any version's).</summary>
    ILogStore Open(string database);
}

/// <summary>A committed row read across the logs: the log it is in, and its position in the set (<see cref="TransactionLogs.PositionShift"/>).</summary>
public sealed record LoggedRow(TransactionLog Log, CommittedLogRow Row);

/// <summary>
/// Every transaction log of the system (docs/transaction-log.md, "Several logs"): the home log, in the module store's
/// configured database, and with a shard map one log per module database of the map, as Certificate Transparency runs
/// several logs. A meter's records go to the log of its bucket's module database, beside its module memory; a meter
/// that is not a meter id's, or any meter without a map, to the home log. Each log has its own store, log key, sealer,
/// checkpoints (its name in their origin line), archive prefix and feed cursors.
/// </summary>
public sealed class TransactionLogs : IAsyncDisposable
{
    /// <summary>The name of the home log. A shard map's database may not take it (<see cref="ShardMap"/> refuses it).</summary>
    public const string HomeName = ShardMap.HomeLogName;

    /// <summary>
    /// A position in reads across the logs is the log's index in <see cref="All"/> shifted left by this many bits, or'ed
    /// with the row's position in its log: the home log's positions are its own, and a log holds up to 2^44 rows.
    /// </summary>
    public const int PositionShift = 44;
    private const long InLogMask = (1L << PositionShift) - 1;

    // Replaced whole (never changed in place) when a live map opens another log: readers see one consistent set, and a
    // log's index in All, which positions read across the logs carry, never changes.
    private volatile TransactionLog[] _all;
    private volatile Dictionary<string, TransactionLog> _byName;
    private readonly ShardMap? _map;
    private readonly TransactionLog[] _byBucket = [];
    private readonly ILiveLogRouting? _live;
    private readonly Lock _opening = new();
    private readonly string _origin;
    private readonly ModuleCrypto _crypto;
    private readonly Serializer _serializer;
    private readonly ILogger<TransactionLog> _logger;

    public TransactionLogs(ILogStore home, ModuleCrypto crypto, Serializer serializer, IOptions<LogOptions> options, ILoggerFactory loggers, LogShards? shards = null,
        ILiveLogRouting? live = null)
    {
        var origin = options.Value.Origin;
        var logger = loggers.CreateLogger<TransactionLog>();
        (_origin, _crypto, _serializer, _logger, _live) = (origin, crypto, serializer, logger, live);
        var all = new List<TransactionLog> { new(HomeName, origin, LogArchiveLayout.Home, home, crypto, serializer, logger) };
        if (shards is not null)
        {
            _map = shards.Map;
            foreach (var database in shards.Map.DatabasesOf(ShardMap.ModuleStore))
                all.Add(new TransactionLog(database.Name, LogArchiveLayout.OriginOf(origin, database.Name), LogArchiveLayout.OfShard(database.Name),
                    shards.Stores[database.Name], crypto, serializer, logger));
        }
        _all = [.. all];
        _byName = _all.ToDictionary(l => l.Name, StringComparer.Ordinal);
        if (_map is not null) _byBucket = [.. Enumerable.Range(0, _map.Buckets).Select(b => _byName[_map.DatabaseOf(ShardMap.ModuleStore, b).Name])];
    }

    public TransactionLog Home => _all[0];

    /// <summary>Every log: the home log first, then the map's module databases' in the map's order.</summary>
    public IReadOnlyList<TransactionLog> All => _all;

    /// <summary>
    /// Every log, after opening those of the module databases the live map's buckets route to now: how a reader of every
    /// log (the log feed) comes to read a database a move brought in, also on a silo that never appended to it.
    /// </summary>
    public IReadOnlyList<TransactionLog> Current()
    {
        if (_live is null) return _all;
        var map = _live.Map;
        for (var bucket = 0; bucket < map.Buckets; bucket++)
        {
            var name = map.DatabaseOf(ShardMap.ModuleStore, bucket).Name;
            if (!_byName.ContainsKey(name)) Opened(name);
        }
        return _all;
    }

    /// <summary>A log by name; with a live map, a module database of the map whose log this silo has not opened yet is opened.</summary>
    public TransactionLog? Named(string name)
    {
        if (_byName.GetValueOrDefault(name) is { } log) return log;
        if (_live is null || name == HomeName) return null;
        var map = _live.Map;
        return map.Databases.Any(d => d.Name == name && d.Store == ShardMap.ModuleStore) ? Opened(name) : null;
    }

    /// <summary>The log a meter's new records are appended to: its bucket's module database's (by the map in force), else the home log.</summary>
    public TransactionLog For(string meterId)
    {
        if (!MeterId.TryParse(meterId, out _)) return Home;
        if (_live is not null)
        {
            var map = _live.Map;
            return Opened(map.DatabaseOf(ShardMap.ModuleStore, map.BucketOf(meterId)).Name);
        }
        return _map is not null ? _byBucket[_map.BucketOf(meterId)] : Home;
    }

    /// <summary>
    /// The logs that may hold a meter's records, oldest first: one while its bucket never moved; after moves, each module
    /// database its bucket has had (records stay in the log they were appended to), its database now last.
    /// </summary>
    public IReadOnlyList<TransactionLog> OfMeter(string meterId)
    {
        if (_live is null || !MeterId.TryParse(meterId, out _)) return [For(meterId)];
        var history = _live.ModuleHistory(_live.Map.BucketOf(meterId));
        return history.Count == 1 ? [Opened(history[0])] : [.. history.Select(Opened)];
    }

    /// <summary>The log of a module database, opened (and added at the end of <see cref="All"/>) the first time it is named.</summary>
    private TransactionLog Opened(string name)
    {
        if (_byName.TryGetValue(name, out var log)) return log;
        lock (_opening)
        {
            if (_byName.TryGetValue(name, out log)) return log;
            log = new TransactionLog(name, LogArchiveLayout.OriginOf(_origin, name), LogArchiveLayout.OfShard(name), _live!.Open(name), _crypto, _serializer, _logger);
            _byName = new Dictionary<string, TransactionLog>(_byName, StringComparer.Ordinal) { [name] = log };
            _all = [.. _all, log];
            return log;
        }
    }

    /// <summary>Appends the record to its meter's log; when the task completes it is durable.</summary>
    public async Task AppendAsync(LogRecord record)
    {
        var log = For(record.MeterId);
        await ReachingAsync(record.MeterId, log, async () => { await log.AppendAsync(record); return true; });
    }

    /// <summary>A meter's records with a sequence above <paramref name="afterSequence"/>, oldest first.</summary>
    public Task<IReadOnlyList<LogRecord>> ReadMeterAsync(string meterId, long afterSequence) =>
        AcrossAsync(meterId, log => log.ReadMeterAsync(meterId, afterSequence));

    /// <summary>A meter's records with exactly this sequence, in arrival order.</summary>
    public Task<IReadOnlyList<LogRecord>> ReadMeterAtAsync(string meterId, long sequence) =>
        AcrossAsync(meterId, log => log.ReadMeterAtAsync(meterId, sequence));

    /// <summary>A meter's records of the print whose indicium is exactly these bytes, in arrival order.</summary>
    public Task<IReadOnlyList<LogRecord>> FindIndiciumAsync(string meterId, byte[] indicium) =>
        AcrossAsync(meterId, log => log.FindIndiciumAsync(meterId, indicium));

    private async Task<IReadOnlyList<LogRecord>> AcrossAsync(string meterId, Func<TransactionLog, Task<IReadOnlyList<LogRecord>>> read)
    {
        var logs = OfMeter(meterId);
        if (logs.Count == 1) return await ReachingAsync(meterId, logs[0], () => read(logs[0]));
        var records = new List<LogRecord>();
        foreach (var log in logs) records.AddRange(await ReachingAsync(meterId, log, () => read(log)));
        return records;
    }

    /// <summary>
    /// A call on a meter's log. A shard map's module database that does not answer fails it with
    /// <see cref="ShardUnavailableException"/> naming the meter's bucket, as the meter's grain state does: an outage of
    /// some meters (503), not a fault.
    /// </summary>
    private async Task<T> ReachingAsync<T>(string meterId, TransactionLog log, Func<Task<T>> call)
    {
        if (ReferenceEquals(log, Home)) return await call();
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not ShardUnavailableException && ShardUnavailableException.IsUnreachable(e))
        {
            var bucket = _live is not null ? _live.Map.BucketOf(meterId) : _map!.BucketOf(meterId);
            throw new ShardUnavailableException(ShardMap.ModuleStore, bucket, log.Name, e);
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> rows of every log whose time is in [<paramref name="from"/>, <paramref name="to"/>),
    /// after the set position <paramref name="after"/>: the home log's in its order, then each other log's.
    /// </summary>
    public async Task<IReadOnlyList<LoggedRow>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset to, long after, int limit,
        CancellationToken cancellationToken = default)
    {
        var rows = new List<LoggedRow>(Math.Min(limit, 1024));
        var all = _all;
        for (var index = (int)(after >> PositionShift); index < all.Length && rows.Count < limit; index++)
        {
            var inLog = index == after >> PositionShift ? after & InLogMask : 0;
            var log = all[index];
            foreach (var row in await log.Store.ReadBetweenAsync(from, to, inLog, limit - rows.Count, cancellationToken))
                rows.Add(new LoggedRow(log, row with { Position = ((long)index << PositionShift) | row.Position }));
        }
        return rows;
    }

    /// <summary>
    /// <see cref="ILogStore.LatestBeforeAsync"/> over every log: each meter once (its highest sequence, then the newest,
    /// should it be in two logs), the next <paramref name="limit"/> meters after <paramref name="afterMeter"/> in ordinal order.
    /// </summary>
    public async Task<IReadOnlyList<LoggedRow>> LatestBeforeAsync(DateTimeOffset before, string? afterMeter, int limit, IReadOnlyCollection<byte> skipKinds,
        CancellationToken cancellationToken = default)
    {
        var rows = new List<LoggedRow>();
        foreach (var log in _all)
            rows.AddRange((await log.Store.LatestBeforeAsync(before, afterMeter, limit, skipKinds, cancellationToken)).Select(r => new LoggedRow(log, r)));
        if (_all.Length == 1) return rows;
        return [.. rows.GroupBy(r => r.Row.Row.MeterId, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(r => r.Row.Row.Sequence).ThenByDescending(r => r.Row.Row.At).First())
            .OrderBy(r => r.Row.Row.MeterId, StringComparer.Ordinal)
            .Take(limit)];
    }

    /// <summary>The meters that have records in any log, in ordinal order, after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<string>> MetersAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        if (_all.Length == 1) return await Home.Store.MetersAsync(after, limit, cancellationToken);
        var meters = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var log in _all) meters.UnionWith(await log.Store.MetersAsync(after, limit, cancellationToken));
        return [.. meters.Take(limit)];
    }

    /// <summary>A row read across the logs, opened with its own log's key.</summary>
    public static async Task<LogRecord> OpenAsync(LoggedRow row) => row.Log.Open(row.Row.Row, await row.Log.KeyAsync());

    public async ValueTask DisposeAsync()
    {
        foreach (var log in _all) await log.DisposeAsync();
    }
}
