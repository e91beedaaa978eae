using Npgsql;

namespace VbiOrleans.Testing;

/// <summary>
/// Writes a grain-state row with the ADO.NET provider's own statement (the 'WriteToStorageKey' query the schema puts
/// in OrleansQuery), bound by name as the provider binds it: what a test writes is what a silo would have written.
/// </summary>
public static class GrainStateWrites
{
    /// <summary>The version the statement returns: the new one, or on a lost race the version given (NULL for a first write).</summary>
    public static async Task<int?> WriteAsync(NpgsqlConnection connection, int idHash, long n0, long n1, int typeHash, string type, string? extension,
        string service, int? version, byte[] payload)
    {
        string sql;
        await using (var query = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'", connection))
            sql = (string)(await query.ExecuteScalarAsync() ?? throw new InvalidOperationException("OrleansQuery has no WriteToStorageKey: run init-db first"));
        await using var write = new NpgsqlCommand(sql, connection);
        write.Parameters.AddWithValue("GrainIdHash", idHash);
        write.Parameters.AddWithValue("GrainIdN0", n0);
        write.Parameters.AddWithValue("GrainIdN1", n1);
        write.Parameters.AddWithValue("GrainTypeHash", typeHash);
        write.Parameters.AddWithValue("GrainTypeString", type);
        write.Parameters.AddWithValue("GrainIdExtensionString", (object?)extension ?? DBNull.Value);
        write.Parameters.AddWithValue("ServiceId", service);
        write.Parameters.AddWithValue("GrainStateVersion", (object?)version ?? DBNull.Value);
        write.Parameters.AddWithValue("PayloadBinary", payload);
        return await write.ExecuteScalarAsync() is int written ? written : null;
    }

    public static async Task<int?> WriteAsync(string database, int idHash, long n0, long n1, int typeHash, string type, string? extension,
        string service, int? version, byte[] payload)
    {
        await using var connection = new NpgsqlConnection(LocalServices.ConnectionString(database));
        await connection.OpenAsync();
        return await WriteAsync(connection, idHash, n0, n1, typeHash, type, extension, service, version, payload);
    }
}
