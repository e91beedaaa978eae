using Npgsql;
using NpgsqlTypes;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Database;

namespace VbiOrleans.Host.Shards;

/// <summary>A move of buckets of one store from one database of the shard map to another, as recorded in <c>vbi_shard_moves</c>.</summary>
public sealed record ShardMove(long Id, string Store, int[] Buckets, string From, string To, long BaseVersion, long NewVersion, string NewMap, string Phase,
    long? RowsCopied, string StartedBy, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, string? Note)
{
    public const string Fencing = "Fencing";
    public const string Copying = "Copying";
    public const string Switched = "Switched";
    public const string Done = "Done";
    public const string RolledBack = "RolledBack";

    public bool IsOpen => Phase is Fencing or Copying or Switched;
}

/// <summary>
/// Adds databases to the shard map and moves buckets between databases while printing goes on (docs/scaling.md,
/// "Moves"). A move is a row in the membership database whose phase only goes forward, each phase idempotent:
/// <list type="number">
/// <item><b>Fencing</b>: the fence (infra/sql/46-shard-moves.sql) on the bucket in both databases; in the old one under a
/// lock that waits for every write in flight, so from its commit no write of the bucket commits there.</item>
/// <item><b>Copying</b>: the bucket's meter-keyed rows copied to the new database as they are (versions, so the
/// activations' ETags still match), replacing whatever a copy cut short left there.</item>
/// <item><b>Switched</b>: the new map version and the phase in one transaction. Then the old database's fence says
/// "moved", every active silo is waited for (bounded) to route by the new version, the new database's fence is lifted,
/// and the old rows are deleted: <b>Done</b>.</item>
/// </list>
/// A failure before the switch rolls the move back (copied rows and fences removed: <b>RolledBack</b>); a coordinator
/// killed at any point leaves the move open, and the first silo to find it so (each silo looks every second, under a
/// PostgreSQL advisory lock that dies with its holder's connection) carries it on from its phase.
/// </summary>
public sealed partial class ShardMover(string membership, LiveShardMap live, IShardMapStore maps, IConfiguration configuration, IGrainFactory grains,
    ILogger<ShardMover> logger)
{
    /// <summary>The advisory lock (in the membership database) that one coordinator holds while it drives a move.</summary>
    private const long CoordinatorLockKey = 0x5642_4953_4D4F_5645; // "VBISMOVE"

    /// <summary>How long fencing waits for the writes in flight on the old database.</summary>
    public static readonly TimeSpan FenceLockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a switch waits for every active silo to route by the new version before lifting the new database's fence.</summary>
    public static readonly TimeSpan SeenWait = TimeSpan.FromSeconds(4);

    /// <summary>How many buckets one move may carry.</summary>
    public const int MaxBucketsPerMove = 256;

    private const string MoveColumns = "id, store, buckets, from_db, to_db, base_version, new_version, new_map, phase, rows_copied, started_by, started_at, updated_at, note";

    /// <summary>A database added to the map (no bucket yet): a new version with one more database, its schema applied.</summary>
    public async Task<(ShardMap? Map, bool Changed, DomainError? Error)> AddDatabaseAsync(ShardDatabase database, string by, CancellationToken cancellationToken)
    {
        var current = await maps.CurrentAsync(cancellationToken);
        if (current is null) return (null, false, Invalid("there is no shard map yet: set the first one with `vbi-admin shards set`"));
        if (current.Databases.FirstOrDefault(d => d.Name == database.Name) is { } known)
        {
            return known == database
                ? (current, false, null)
                : (null, false, Invalid($"the map already has a database '{database.Name}' with other settings"));
        }
        var proposed = current with { Version = current.Version + 1, Databases = [.. current.Databases, database] };
        if (ShardMap.Parse(proposed.ToDocument(), current, out var invalid) is null) return (null, false, invalid);
        if (ConnectionOf(database, out var failure) is not { } connectionString) return (null, false, new DomainError(ErrorCode.ShardMapConnectionUnknown, failure!));
        try
        {
            await SchemaInstaller.ApplyToAsync(database.Store, connectionString, _ => { }, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return (null, false, new DomainError(ErrorCode.ShardMoveFailed, $"the database '{database.Name}' does not answer at {database.Server}: {e.Message.ReplaceLineEndings(" ")}"));
        }
        if (await OpenMoveAsync(cancellationToken) is { } open) return (null, false, InProgress(open));
        var (map, refused) = await maps.SetAsync(proposed.ToDocument(), by, cancellationToken);
        if (map is null) return (null, false, refused);
        await live.RefreshAsync(LiveShardMap.Now(), cancellationToken);
        return (map, true, null);
    }

    /// <summary>Starts a move and drives it to its end (or leaves it open to resume when a database stops answering after the switch).</summary>
    public async Task<(ShardMove? Move, DomainError? Error)> MoveAsync(string store, IReadOnlyList<int> buckets, string to, string by, CancellationToken cancellationToken)
    {
        await using var coordinator = await CoordinatorAsync(cancellationToken);
        if (coordinator is null) return (null, InProgress(await OpenMoveAsync(cancellationToken)));
        if (await OpenMoveAsync(cancellationToken) is { } open) return (null, InProgress(open));
        var current = await maps.CurrentAsync(cancellationToken);
        if (current is null) return (null, Invalid("there is no shard map yet: set the first one with `vbi-admin shards set`"));
        if (store is not (ShardMap.PostalStore or ShardMap.ModuleStore)) return (null, Invalid($"store is '{store}'; it must be '{ShardMap.PostalStore}' or '{ShardMap.ModuleStore}'"));
        if (buckets.Count is 0 or > MaxBucketsPerMove || buckets.Distinct().Count() != buckets.Count || buckets.Any(b => b < 0 || b >= current.Buckets))
            return (null, Invalid($"buckets must be 1 to {MaxBucketsPerMove} distinct bucket numbers from 0 to {current.Buckets - 1}"));
        if (current.Databases.FirstOrDefault(d => d.Name == to && d.Store == store) is null)
            return (null, Invalid($"the map has no {store} database '{to}'; add it first with `vbi-admin shards add`"));
        var from = buckets.Select(b => current.DatabaseOf(store, b).Name).Distinct().ToList();
        if (from.Count != 1) return (null, Invalid($"the buckets are in several databases ({string.Join(", ", from)}); move one database's buckets at a time"));
        if (from[0] == to) return (null, Invalid($"the buckets are in '{to}' already"));
        var assigned = (store == ShardMap.PostalStore ? current.Postal : current.Module).ToArray();
        foreach (var bucket in buckets) assigned[bucket] = to;
        var proposed = store == ShardMap.PostalStore
            ? current with { Version = current.Version + 1, Postal = assigned }
            : current with { Version = current.Version + 1, Module = assigned };
        if (ShardMap.Parse(proposed.ToDocument(), current, out var invalid) is null) return (null, invalid);
        foreach (var name in new[] { from[0], to })
        {
            if (ConnectionOf(current.Databases.First(d => d.Name == name), out var failure) is null)
                return (null, new DomainError(ErrorCode.ShardMapConnectionUnknown, failure!));
        }
        ShardMove move;
        await using (var connection = await OpenAsync(membership, cancellationToken))
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO vbi_shard_moves (store, buckets, from_db, to_db, base_version, new_version, new_map, phase, started_by) " +
                $"VALUES ($1, $2, $3, $4, $5, $6, $7, 'Fencing', $8) RETURNING {MoveColumns}", connection);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = store });
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. buckets.Order()] });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = from[0] });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = to });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = current.Version });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = proposed.Version });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposed.ToDocument() });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by });
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            move = Read(reader);
        }
        LogStarted(move.Id, store, string.Join(",", move.Buckets), move.From, move.To, by);
        return await DriveAsync(move, cancellationToken);
    }

    /// <summary>Carries on the open move, if any (null, null: none is open).</summary>
    public async Task<(ShardMove? Move, DomainError? Error)> ResumeAsync(CancellationToken cancellationToken)
    {
        await using var coordinator = await CoordinatorAsync(cancellationToken);
        if (coordinator is null) return (null, InProgress(await OpenMoveAsync(cancellationToken)));
        return await OpenMoveAsync(cancellationToken) is { } open ? await DriveAsync(open, cancellationToken) : (null, null);
    }

    /// <summary>Each silo's look, every tick of its live map: an open move whose coordinator is gone is carried on here.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        if (await OpenMoveAsync(cancellationToken) is null) return;
        await using var coordinator = await CoordinatorAsync(cancellationToken);
        if (coordinator is null || await OpenMoveAsync(cancellationToken) is not { } open) return;
        LogResuming(open.Id, open.Phase);
        await DriveAsync(open, cancellationToken);
    }

    /// <summary>The moves, newest first.</summary>
    public async Task<IReadOnlyList<ShardMove>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(membership, cancellationToken);
        await using var select = new NpgsqlCommand($"SELECT {MoveColumns} FROM vbi_shard_moves ORDER BY id DESC LIMIT $1", connection);
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var moves = new List<ShardMove>();
        while (await reader.ReadAsync(cancellationToken)) moves.Add(Read(reader));
        return moves;
    }

    public async Task<ShardMove?> OpenMoveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(membership, cancellationToken);
        await using var select = new NpgsqlCommand($"SELECT {MoveColumns} FROM vbi_shard_moves WHERE phase IN ('Fencing', 'Copying', 'Switched')", connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private async Task<(ShardMove? Move, DomainError? Error)> DriveAsync(ShardMove move, CancellationToken cancellationToken)
    {
        var map = ShardMap.Parse(move.NewMap, null, out _) ?? throw new InvalidOperationException($"shard move {move.Id}: its new map does not parse");
        var from = ConnectionOf(map.Databases.First(d => d.Name == move.From), out _)!;
        var to = ConnectionOf(map.Databases.First(d => d.Name == move.To), out _)!;
        try
        {
            if (move.Phase == ShardMove.Fencing)
            {
                await FenceAsync(to, move, cancellationToken);
                await FenceAsync(from, move, cancellationToken);
                move = await PhaseAsync(move, ShardMove.Copying, null, cancellationToken);
            }
            if (move.Phase == ShardMove.Copying)
            {
                var rows = await CopyAsync(from, to, move, map.Buckets, cancellationToken);
                FaultPoints.Reached(FaultPoints.ShardMoveCopied);
                move = await SwitchAsync(move, rows, cancellationToken);
                LogSwitched(move.Id, move.NewVersion, rows);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            var reason = e.Message.ReplaceLineEndings(" ");
            try
            {
                await RollBackAsync(from, to, move, map.Buckets, reason, cancellationToken);
                LogRolledBack(move.Id, reason);
                return (null, new DomainError(ErrorCode.ShardMoveFailed, $"shard move {move.Id} was rolled back: {reason}"));
            }
            catch (Exception again) when (again is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                return (null, new DomainError(ErrorCode.ShardMoveFailed,
                    $"shard move {move.Id} failed in phase {move.Phase} ({reason}) and could not be rolled back yet; it stays open and is carried on when the databases answer"));
            }
        }
        try
        {
            await FinishAsync(from, to, move, map.Buckets, cancellationToken);
            move = await PhaseAsync(move, ShardMove.Done, null, cancellationToken);
            LogDone(move.Id);
            return (move, null);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return (null, new DomainError(ErrorCode.ShardMoveFailed,
                $"shard move {move.Id} switched the buckets to '{move.To}' but could not finish ({e.Message.ReplaceLineEndings(" ")}); it stays open and is carried on when the databases answer"));
        }
    }

    /// <summary>The fence on the move's buckets in one database: the trigger, and the buckets marked fenced.</summary>
    private static async Task FenceAsync(string connectionString, ShardMove move, CancellationToken cancellationToken)
    {
        await using (var connection = await OpenAsync(connectionString, cancellationToken))
        {
            await using var exists = new NpgsqlCommand("SELECT to_regclass('vbi_shard_fence') IS NOT NULL AND to_regclass('orleansstorage') IS NOT NULL", connection);
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
                await SchemaInstaller.ApplyToAsync(move.Store, connectionString, _ => { }, cancellationToken);
        }
        var buckets = ShardMap.Parse(move.NewMap, null, out _)!.Buckets;
        await using var fence = await OpenAsync(connectionString, cancellationToken);
        await using var transaction = await fence.BeginTransactionAsync(cancellationToken);
        // SHARE ROW EXCLUSIVE waits for every write in flight and holds new ones until the fence commits; from then on
        // each write's own transaction sees the fence (the trigger reads it with a fresh snapshot).
        await ExecuteAsync(fence, transaction, $"SET LOCAL lock_timeout = '{(int)FenceLockTimeout.TotalMilliseconds}ms'", cancellationToken);
        await ExecuteAsync(fence, transaction, "LOCK TABLE OrleansStorage IN SHARE ROW EXCLUSIVE MODE", cancellationToken);
        await ExecuteAsync(fence, transaction,
            "CREATE OR REPLACE TRIGGER vbi_shard_fence BEFORE INSERT OR UPDATE ON OrleansStorage FOR EACH ROW EXECUTE FUNCTION vbi_shard_fence_check()", cancellationToken);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO vbi_shard_fence (bucket, buckets, state, move_id) SELECT b, $2, 'fenced', $3 FROM unnest($1) AS b " +
            "ON CONFLICT (buckets, bucket) DO UPDATE SET state = 'fenced', move_id = EXCLUDED.move_id", fence, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = move.Buckets });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = buckets });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = move.Id });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private const string BucketRows = "vbi_is_meter_id(GrainIdExtensionString) AND vbi_meter_bucket(GrainIdExtensionString, $1) = ANY($2)";

    /// <summary>The buckets' meter-keyed rows, as they are, from the old database to the new one (replacing a cut-short copy's).</summary>
    private static async Task<long> CopyAsync(string from, string to, ShardMove move, int buckets, CancellationToken cancellationToken)
    {
        await using var source = await OpenAsync(from, cancellationToken);
        await using var target = await OpenAsync(to, cancellationToken);
        await using var transaction = await target.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(target, transaction, "SET LOCAL vbi.shard_copy = 'on'", cancellationToken);
        await using (var clear = Bucketed(new NpgsqlCommand($"DELETE FROM OrleansStorage WHERE {BucketRows}", target, transaction), buckets, move.Buckets))
            await clear.ExecuteNonQueryAsync(cancellationToken);
        // Read whole, then write: two connections to two servers, one of them streaming into the other, gain nothing here.
        var rows = new List<object?[]>();
        await using (var select = Bucketed(new NpgsqlCommand(
            "SELECT GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version " +
            $"FROM OrleansStorage WHERE {BucketRows}", source), buckets, move.Buckets))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++) row[i] = await reader.IsDBNullAsync(i, cancellationToken) ? null : reader.GetValue(i);
                rows.Add(row);
            }
        }
        await using (var import = await target.BeginBinaryImportAsync(
            "COPY OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version) " +
            "FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            NpgsqlDbType[] types = [NpgsqlDbType.Integer, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Integer, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar,
                NpgsqlDbType.Varchar, NpgsqlDbType.Bytea, NpgsqlDbType.TimestampTz, NpgsqlDbType.Integer];
            foreach (var row in rows)
            {
                await import.StartRowAsync(cancellationToken);
                for (var i = 0; i < row.Length; i++)
                {
                    if (row[i] is null) await import.WriteNullAsync(cancellationToken);
                    else await import.WriteAsync(row[i], types[i], cancellationToken);
                }
            }
            await import.CompleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    /// <summary>The new map version and the phase Switched, in one transaction of the membership database.</summary>
    private async Task<ShardMove> SwitchAsync(ShardMove move, long rows, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(membership, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "LOCK TABLE vbi_shard_map IN EXCLUSIVE MODE", cancellationToken);
        await using (var latest = new NpgsqlCommand("SELECT max(version) FROM vbi_shard_map", connection, transaction))
        {
            var version = (long)(await latest.ExecuteScalarAsync(cancellationToken))!;
            if (version != move.BaseVersion) throw new InvalidOperationException($"shard move {move.Id}: the map is at version {version}, not {move.BaseVersion}");
        }
        await using (var insert = new NpgsqlCommand("INSERT INTO vbi_shard_map (version, document, set_by) VALUES ($1, $2, $3)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = move.NewVersion });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = move.NewMap });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{move.StartedBy} (shard move {move.Id})" });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        var switched = await PhaseAsync(connection, transaction, move, ShardMove.Switched, rows, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return switched;
    }

    /// <summary>After the switch: the old fence says moved, the silos route by the new version, the new fence lifts, the old rows go.</summary>
    private async Task FinishAsync(string from, string to, ShardMove move, int buckets, CancellationToken cancellationToken)
    {
        await using (var old = await OpenAsync(from, cancellationToken))
        await using (var moved = Bucketed(new NpgsqlCommand("UPDATE vbi_shard_fence SET state = 'moved' WHERE buckets = $1 AND bucket = ANY($2)", old), buckets, move.Buckets))
            await moved.ExecuteNonQueryAsync(cancellationToken);
        await live.RefreshAsync(LiveShardMap.Now(), cancellationToken);
        await AwaitSilosAsync(move.NewVersion, cancellationToken);
        await using (var target = await OpenAsync(to, cancellationToken))
        await using (var lift = Bucketed(new NpgsqlCommand("DELETE FROM vbi_shard_fence WHERE buckets = $1 AND bucket = ANY($2) AND state = 'fenced'", target), buckets, move.Buckets))
            await lift.ExecuteNonQueryAsync(cancellationToken);
        await using (var old = await OpenAsync(from, cancellationToken))
        await using (var delete = Bucketed(new NpgsqlCommand($"DELETE FROM OrleansStorage WHERE {BucketRows}", old), buckets, move.Buckets))
            await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Waits (at most <see cref="SeenWait"/>) until every active silo routes by <paramref name="version"/> or later.</summary>
    private async Task AwaitSilosAsync(long version, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + SeenWait;
        while (true)
        {
            HashSet<string> behind;
            try
            {
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
                behind = new HashSet<string>(hosts.Keys.Select(s => s.ToParsableString()), StringComparer.Ordinal);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // Without the list of silos nothing tells when all have it: the full wait stands in for them.
                LogSilosUnknown(version, e.Message);
                await Task.Delay(SeenWait, cancellationToken);
                return;
            }
            await using (var connection = await OpenAsync(membership, cancellationToken))
            await using (var seen = new NpgsqlCommand("SELECT silo FROM vbi_shard_map_seen WHERE version >= $1", connection))
            {
                seen.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
                await using var reader = await seen.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) behind.Remove(reader.GetString(0));
            }
            if (behind.Count == 0) return;
            if (DateTimeOffset.UtcNow >= deadline)
            {
                LogSilosBehind(version, string.Join(", ", behind));
                return;
            }
            await Task.Delay(LiveShardMap.PollInterval / 4, cancellationToken);
        }
    }

    /// <summary>
    /// Undoes a move before its switch. The old database's fence must come down (its meters wait on it); the new
    /// database's copied rows and fence are cleared when it answers, and are harmless when it does not: no bucket routes
    /// there, and a later move to it clears them first.
    /// </summary>
    private async Task RollBackAsync(string from, string to, ShardMove move, int buckets, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await using var target = await OpenAsync(to, cancellationToken);
            await using var transaction = await target.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(target, transaction, $"SET LOCAL lock_timeout = '{(int)FenceLockTimeout.TotalMilliseconds}ms'", cancellationToken);
            await ExecuteAsync(target, transaction, "SET LOCAL vbi.shard_copy = 'on'", cancellationToken);
            await using (var clear = Bucketed(new NpgsqlCommand($"DELETE FROM OrleansStorage WHERE {BucketRows}", target, transaction), buckets, move.Buckets))
                await clear.ExecuteNonQueryAsync(cancellationToken);
            await using (var lift = Bucketed(new NpgsqlCommand("DELETE FROM vbi_shard_fence WHERE buckets = $1 AND bucket = ANY($2) AND state = 'fenced'", target, transaction), buckets, move.Buckets))
                await lift.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            reason += $"; the new database was left as it was ({e.Message.ReplaceLineEndings(" ")})";
        }
        await using (var old = await OpenAsync(from, cancellationToken))
        await using (var lift = Bucketed(new NpgsqlCommand("DELETE FROM vbi_shard_fence WHERE buckets = $1 AND bucket = ANY($2) AND state = 'fenced'", old), buckets, move.Buckets))
            await lift.ExecuteNonQueryAsync(cancellationToken);
        await PhaseAsync(move, ShardMove.RolledBack, reason, cancellationToken);
    }

    private async Task<ShardMove> PhaseAsync(ShardMove move, string phase, string? note, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(membership, cancellationToken);
        await using var update = new NpgsqlCommand(
            $"UPDATE vbi_shard_moves SET phase = $2, note = COALESCE($3, note), updated_at = now() WHERE id = $1 AND phase = $4 RETURNING {MoveColumns}", connection);
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = move.Id });
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = phase });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)note ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = move.Phase });
        await using var reader = await update.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException($"shard move {move.Id} is no longer in phase {move.Phase}");
        return Read(reader);
    }

    private static async Task<ShardMove> PhaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ShardMove move, string phase, long rows,
        CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand(
            $"UPDATE vbi_shard_moves SET phase = $2, rows_copied = $3, updated_at = now() WHERE id = $1 AND phase = $4 RETURNING {MoveColumns}", connection, transaction);
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = move.Id });
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = phase });
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rows });
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = move.Phase });
        await using var reader = await update.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException($"shard move {move.Id} is no longer in phase {move.Phase}");
        return Read(reader);
    }

    /// <summary>The coordinator's lock on its own connection (held until disposed, or until the process dies), or null when another holds it.</summary>
    private async Task<NpgsqlConnection?> CoordinatorAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(new NpgsqlConnectionStringBuilder(membership) { Pooling = false }.ConnectionString, cancellationToken);
        await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = CoordinatorLockKey });
        if ((bool)(await take.ExecuteScalarAsync(cancellationToken))!) return connection;
        await connection.DisposeAsync();
        return null;
    }

    private string? ConnectionOf(ShardDatabase database, out string? failure)
    {
        var value = configuration.GetConnectionString(database.Connection);
        if (string.IsNullOrWhiteSpace(value))
        {
            failure = $"the database '{database.Name}' names the connection string '{database.Connection}', but ConnectionStrings:{database.Connection} is not set on this host";
            return null;
        }
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            if (!ShardMap.SameServer($"{builder.Host}:{builder.Port}", database.Server))
            {
                failure = $"the database '{database.Name}' is on {database.Server}, but ConnectionStrings:{database.Connection} points at {builder.Host}:{builder.Port}";
                return null;
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            failure = $"ConnectionStrings:{database.Connection}, the database '{database.Name}', is not a valid PostgreSQL connection string";
            return null;
        }
        failure = null;
        return value;
    }

    private static NpgsqlCommand Bucketed(NpgsqlCommand command, int buckets, int[] moving)
    {
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = buckets });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = moving });
        return command;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ShardMove Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<int[]>(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), reader.GetInt64(6),
        reader.GetString(7), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetInt64(9), reader.GetString(10),
        reader.GetFieldValue<DateTimeOffset>(11), reader.GetFieldValue<DateTimeOffset>(12), reader.IsDBNull(13) ? null : reader.GetString(13));

    private static DomainError Invalid(string message) => new(ErrorCode.ShardMoveInvalid, message);

    private static DomainError InProgress(ShardMove? open) => new(ErrorCode.ShardMoveInProgress, open is null
        ? "another shard move is being driven right now; wait for it"
        : $"shard move {open.Id} ({open.Store} buckets {string.Join(",", open.Buckets)} from '{open.From}' to '{open.To}') is open in phase {open.Phase}; " +
          "it is carried on by the silos (or `vbi-admin shards move --resume`); start another when it is done");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard move {Id}: {Store} buckets {Buckets} from {From} to {To}, started by {By}")]
    private partial void LogStarted(long id, string store, string buckets, string from, string to, string by);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard move {Id} found open in phase {Phase}: carrying it on")]
    private partial void LogResuming(long id, string phase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard move {Id} switched: map version {Version}, {Rows} rows copied")]
    private partial void LogSwitched(long id, long version, long rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard move {Id} done")]
    private partial void LogDone(long id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard move {Id} rolled back: {Reason}")]
    private partial void LogRolledBack(long id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard map version {Version}: the active silos could not be listed ({Error}); waiting the full bound")]
    private partial void LogSilosUnknown(long version, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard map version {Version}: silos {Silos} have not confirmed it in time; the move goes on")]
    private partial void LogSilosBehind(long version, string silos);
}
