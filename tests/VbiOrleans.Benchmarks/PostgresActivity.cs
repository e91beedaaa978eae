using Npgsql;

namespace VbiOrleans.Benchmarks;

/// <summary>What PostgreSQL did during a phase of the Cluster profile: commits per store database and WAL written.</summary>
public sealed record PostgresActivity(IReadOnlyDictionary<string, long> Commits, long WalBytes)
{
    /// <summary>The store databases whose commits are counted.</summary>
    private static readonly string[] Stores = ["postal", "module", "membership"];

    /// <summary>Counters now: pg_stat_database.xact_commit of each store database and the current WAL position.</summary>
    public sealed record Snapshot(Dictionary<string, long> Commits, string WalLsn);

    public static async Task<Snapshot> TakeAsync(CancellationToken cancellation)
    {
        var databases = Stores.ToDictionary(s => s, s => new NpgsqlConnectionStringBuilder(ServiceEnvironment.ConnectionString(s)).Database!);
        await using var connection = new NpgsqlConnection(ServiceEnvironment.ConnectionString("postal"));
        await connection.OpenAsync(cancellation);
        var commits = new Dictionary<string, long>();
        await using (var command = new NpgsqlCommand("SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY(@names)", connection))
        {
            command.Parameters.AddWithValue("names", databases.Values.Distinct().ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) commits[reader.GetString(0)] = reader.GetInt64(1);
        }
        await using var wal = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", connection);
        var lsn = (string)(await wal.ExecuteScalarAsync(cancellation))!;
        return new Snapshot(databases.ToDictionary(d => d.Key, d => commits.GetValueOrDefault(d.Value)), lsn);
    }

    /// <summary>
    /// The activity since <paramref name="before"/>. Backends publish their counters at most once a second, so this
    /// waits a little first; the commits of that pause (membership heartbeats, the module table flush) are counted too.
    /// </summary>
    public static async Task<PostgresActivity> SinceAsync(Snapshot before, CancellationToken cancellation)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellation);
        var after = await TakeAsync(cancellation);
        await using var connection = new NpgsqlConnection(ServiceEnvironment.ConnectionString("postal"));
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand("SELECT pg_wal_lsn_diff(@after::pg_lsn, @before::pg_lsn)::bigint", connection);
        command.Parameters.AddWithValue("after", after.WalLsn);
        command.Parameters.AddWithValue("before", before.WalLsn);
        var walBytes = (long)(await command.ExecuteScalarAsync(cancellation))!;
        return new PostgresActivity(after.Commits.ToDictionary(c => c.Key, c => c.Value - before.Commits.GetValueOrDefault(c.Key)), walBytes);
    }
}
