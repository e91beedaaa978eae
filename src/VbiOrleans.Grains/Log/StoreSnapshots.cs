using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// The PostgreSQL connection string of each store a snapshot copies (Cluster profile only), and of each database of the
/// shard map, by its file's name: <c>postal.NAME</c> or <c>module.NAME</c> (<see cref="StoreSnapshots.ShardFile"/>).
/// </summary>
public sealed class SnapshotSources(IReadOnlyDictionary<string, string> byStore, IReadOnlyDictionary<string, string>? byShard = null)
{
    public IReadOnlyDictionary<string, string> ByStore { get; } = byStore;

    public IReadOnlyDictionary<string, string> ByShard { get; } = byShard ?? new Dictionary<string, string>();
}

/// <summary>What one snapshot holds: when it was taken, the log size then, and each store's file with its digest.</summary>
public sealed record SnapshotManifest(
    string Name,
    string ServiceId,
    DateTimeOffset TakenAt,
    long LogSize,
    IReadOnlyList<SnapshotFile> Files);

public sealed record SnapshotFile(string Store, string Object, long Rows, string Sha256);

/// <summary>
/// Copies a store's grain-state rows (this service's) in and out of PostgreSQL in COPY's binary format: a snapshot of
/// the store is the rows, byte for byte, whatever the grains in them serialize.
/// </summary>
public static class StoreSnapshots
{
    public const string Prefix = "snapshots/";
    public const string ManifestFile = "manifest.json";

    private const string Columns = "GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string NameFor(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string ObjectName(string snapshot, string file) => $"{Prefix}{snapshot}/{file}";

    /// <summary>The snapshot's name for a database of the shard map: its store, a dot, its name in the map (<c>module.module-a</c>).</summary>
    public static string ShardFile(string store, string database) => $"{store}.{database}";

    public static async Task<(byte[] Content, long Rows)> ExportAsync(string connectionString, string serviceId, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long rows;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM OrleansStorage WHERE ServiceId = $1", connection, transaction))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = serviceId });
            rows = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        // One snapshot of the table: the count and the copy see the same rows.
        var literal = serviceId.Replace("'", "''", StringComparison.Ordinal);
        await using var stream = await connection.BeginRawBinaryCopyAsync(
            $"COPY (SELECT {Columns} FROM OrleansStorage WHERE ServiceId = '{literal}' ORDER BY GrainIdHash, GrainTypeHash) TO STDOUT (FORMAT BINARY)", cancellationToken);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        await stream.DisposeAsync();
        await transaction.CommitAsync(cancellationToken);
        return (buffer.ToArray(), rows);
    }

    /// <summary>Replaces this service's rows in the store with the snapshot's, in one transaction.</summary>
    public static async Task<long> ImportAsync(string connectionString, string serviceId, byte[] content, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var delete = new NpgsqlCommand("DELETE FROM OrleansStorage WHERE ServiceId = $1", connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = serviceId });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var stream = await connection.BeginRawBinaryCopyAsync($"COPY OrleansStorage ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            await stream.WriteAsync(content, cancellationToken);
        }
        long rows;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM OrleansStorage WHERE ServiceId = $1", connection, transaction))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = serviceId });
            rows = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

    public static string Digest(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
