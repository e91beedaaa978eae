using Npgsql;

namespace VbiOrleans.Testing;

/// <summary>
/// The services infra/local/services.sh starts (PostgreSQL, Azurite, SoftHSM2). Tests read their addresses from the
/// environment that script writes (infra/test.sh sources it). A missing variable fails the test with the command to
/// run: these tests need the real services and never pass without them.
/// </summary>
public static class LocalServices
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"environment variable {variable} is not set: start the local services and load their environment " +
                $"(infra/local/services.sh start && source infra/local/.state/env), or run the whole suite with infra/test.sh");

    /// <summary>Host, port, user and password of the local PostgreSQL, without a database.</summary>
    public static string PostgresBase => Require("VBI_PG_BASE");

    public static string ConnectionString(string database) => $"{PostgresBase};Database={database}";

    public static string ArchiveConnectionString => Require("ConnectionStrings__archive");

    /// <summary>The standard store connection strings (vbi_postal, vbi_module, vbi_commerce, vbi_membership).</summary>
    public static IReadOnlyDictionary<string, string> StoreConnectionStrings => new Dictionary<string, string>
    {
        ["postal"] = Require("ConnectionStrings__postal"),
        ["module"] = Require("ConnectionStrings__module"),
        ["commerce"] = Require("ConnectionStrings__commerce"),
        ["membership"] = Require("ConnectionStrings__membership"),
    };

    /// <summary>Creates an empty database with a unique name and returns its name.</summary>
    public static async Task<string> CreateScratchDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, 60)];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public static async Task<T?> ScalarAsync<T>(string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public static async Task<List<object?[]>> RowsAsync(string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VbiOrleans.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find VbiOrleans.sln above " + AppContext.BaseDirectory);
    }
}
