using Npgsql;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>
/// What the run's tables gained during a phase, from each database's pg_stat_user_tables (rows inserted, n_tup_ins)
/// and pg_total_relation_size (bytes on disk with indexes and TOAST; an updated row's dead versions count until vacuum
/// reclaims them, so a table updated in place, such as the grain state tables, shows churn rather than growth).
/// Divided by the prints it is the storage a print adds.
/// </summary>
public sealed record TableGrowth(IReadOnlyList<TableGrowth.Table> Tables)
{
    public sealed record Table(string Database, string Name, long Inserted, long Bytes);

    public sealed record Snapshot(IReadOnlyDictionary<(string Database, string Name), (long Inserted, long Bytes)> Tables);

    /// <param name="databases">The run's databases: a label (store, or the shard map's name) and a connection string.</param>
    public static async Task<Snapshot> TakeAsync(IReadOnlyList<(string Label, string ConnectionString)> databases, CancellationToken cancellation)
    {
        var tables = new Dictionary<(string, string), (long, long)>();
        foreach (var (label, connectionString) in databases)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellation);
            await using var command = new NpgsqlCommand("SELECT relname, n_tup_ins, pg_total_relation_size(relid) FROM pg_stat_user_tables", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) tables[(label, reader.GetString(0))] = (reader.GetInt64(1), reader.GetInt64(2));
        }
        return new Snapshot(tables);
    }

    public static TableGrowth Since(Snapshot before, Snapshot after) =>
        new([.. after.Tables
            .Select(t => new Table(t.Key.Database, t.Key.Name,
                t.Value.Inserted - (before.Tables.TryGetValue(t.Key, out var b) ? b.Inserted : 0),
                t.Value.Bytes - (before.Tables.TryGetValue(t.Key, out var c) ? c.Bytes : 0)))
            .Where(t => t.Inserted > 0 || t.Bytes != 0)
            .OrderBy(t => t.Database, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)]);

    public string Describe(int prints) =>
        "tables during the timed phase, per print (rows inserted, bytes on disk gained): " +
        string.Join(", ", Tables.Select(t => $"{t.Database}.{t.Name} {t.Inserted / (double)prints:F2} rows {t.Bytes / (double)prints:F0} B")) +
        $"; in all {Tables.Sum(t => t.Inserted) / (double)prints:F2} rows and {Tables.Sum(t => t.Bytes) / (double)prints / 1024:F2} KiB per print";
}
