using Npgsql;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Shards;

/// <summary>
/// The test classes that start extra PostgreSQL servers and storm them run one after another: a server killed by one
/// class must not share the machine's two cores, or its port range, with another class's storm.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ExtraPostgresServers
{
    public const string Name = "extra PostgreSQL servers";
}

/// <summary>
/// One more PostgreSQL server on a loopback port, started and stopped through <c>infra/local/services.sh extra-pg</c>,
/// as a developer starts one (docs/scaling.md).
/// </summary>
public sealed class ExtraPostgres : IAsyncDisposable
{
    private ExtraPostgres(string name, int port, string baseConnectionString)
    {
        Name = name;
        Port = port;
        BaseConnectionString = baseConnectionString;
    }

    public string Name { get; }
    public int Port { get; }
    public string Server => $"127.0.0.1:{Port}";

    /// <summary>The connection string without a database (it holds the password: never in a map or a message).</summary>
    public string BaseConnectionString { get; }

    public string ConnectionString(string database) => $"{BaseConnectionString};Database={database}";

    // services.sh takes the first free port of its range when a server starts: two test classes starting servers at once
    // (xUnit runs classes in parallel) would both take it. One start at a time in this process.
    private static readonly SemaphoreSlim Starting = new(1, 1);

    public static async Task<ExtraPostgres> StartAsync(string name)
    {
        await Starting.WaitAsync();
        try
        {
            await RunScriptAsync("start", name);
        }
        finally
        {
            Starting.Release();
        }
        var (port, baseConnectionString) = await ExtraPostgresScript.EnvironmentOfAsync(name);
        return new ExtraPostgres(name, port, baseConnectionString);
    }

    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public async Task<long> CountAsync(string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString(database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameter, value) in parameters) command.Parameters.AddWithValue(parameter, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Stops the server at once, as a crash (<c>services.sh extra-pg kill</c>); its data is kept.</summary>
    public Task KillAsync() => RunScriptAsync("kill", Name);

    /// <summary>Starts a killed server again on its port, with its data (<c>services.sh extra-pg start</c>).</summary>
    public Task RestartAsync() => RunScriptAsync("start", Name);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunScriptAsync("stop", Name);
    }

    private static Task<string> RunScriptAsync(string action, string name) => ExtraPostgresScript.RunAsync(action, name);
}
