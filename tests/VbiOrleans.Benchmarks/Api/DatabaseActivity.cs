using Npgsql;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>
/// What each PostgreSQL server of a run did during a phase: commits (pg_stat_database.xact_commit) of every database
/// that committed anything, and WAL written (pg_current_wal_lsn, pg_stat_wal). WAL is server-wide: another client of
/// the same server (another test run) adds to it; the commits of its databases are reported apart, so a reader sees
/// whether it did. xact_commit counts read-only transactions too (a grain state read, a log feed poll): it bounds the
/// durable commits from above; pg_stat_wal's wal_sync counts the WAL flushes that made commits durable (server-wide).
/// </summary>
public sealed record DatabaseActivity(IReadOnlyList<DatabaseActivity.Server> Servers)
{
    public sealed record Server(BenchServer Of, IReadOnlyDictionary<string, long> Commits, long WalBytes, long WalRecords, long WalSyncs);

    public sealed record ServerSnapshot(BenchServer Of, Dictionary<string, long> Commits, string WalLsn, long WalRecords, long WalSyncs);

    public sealed record Snapshot(IReadOnlyList<ServerSnapshot> Servers);

    /// <summary>All of them: the same counters on every server of the run.</summary>
    public long WalBytes => Servers.Sum(s => s.WalBytes);

    public static async Task<Snapshot> TakeAsync(IReadOnlyList<BenchServer> servers, CancellationToken cancellation)
    {
        var snapshots = new List<ServerSnapshot>();
        foreach (var server in servers) snapshots.Add(await TakeAsync(server, cancellation));
        return new Snapshot(snapshots);
    }

    private static async Task<ServerSnapshot> TakeAsync(BenchServer server, CancellationToken cancellation)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync(cancellation);
        var commits = new Dictionary<string, long>();
        await using (var command = new NpgsqlCommand("SELECT datname, xact_commit FROM pg_stat_database WHERE datname IS NOT NULL", connection))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) commits[reader.GetString(0)] = reader.GetInt64(1);
        }
        // wal_sync: how many times the server flushed WAL to disk, the cost group commit shares out among commits.
        await using var wal = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text, wal_records, wal_sync FROM pg_stat_wal", connection);
        await using var walReader = await wal.ExecuteReaderAsync(cancellation);
        await walReader.ReadAsync(cancellation);
        return new ServerSnapshot(server, commits, walReader.GetString(0), walReader.GetInt64(1), walReader.GetInt64(2));
    }

    /// <summary>
    /// The activity since <paramref name="before"/>. Backends publish their counters at most once a second, so the
    /// caller lets the servers idle for <see cref="PublishDelay"/> before each snapshot.
    /// </summary>
    public static async Task<DatabaseActivity> SinceAsync(Snapshot before, CancellationToken cancellation)
    {
        var servers = new List<Server>();
        foreach (var earlier in before.Servers)
        {
            var after = await TakeAsync(earlier.Of, cancellation);
            await using var connection = new NpgsqlConnection(earlier.Of.ConnectionString("postgres"));
            await connection.OpenAsync(cancellation);
            await using var command = new NpgsqlCommand("SELECT pg_wal_lsn_diff(@after::pg_lsn, @before::pg_lsn)::bigint", connection);
            command.Parameters.AddWithValue("after", after.WalLsn);
            command.Parameters.AddWithValue("before", earlier.WalLsn);
            var walBytes = (long)(await command.ExecuteScalarAsync(cancellation))!;
            var commits = after.Commits
                .Select(c => (c.Key, Delta: c.Value - earlier.Commits.GetValueOrDefault(c.Key)))
                .Where(c => c.Delta > 0)
                .ToDictionary(c => c.Key, c => c.Delta);
            servers.Add(new Server(earlier.Of, commits, walBytes, after.WalRecords - earlier.WalRecords, after.WalSyncs - earlier.WalSyncs));
        }
        return new DatabaseActivity(servers);
    }

    /// <summary>Longer than the once-a-second publishing of backends' counters.</summary>
    public static readonly TimeSpan PublishDelay = TimeSpan.FromSeconds(1.5);
}
