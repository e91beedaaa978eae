using Npgsql;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Database;

/// <summary>
/// What the Cluster profile verifies before it starts a silo: each store's PostgreSQL answers and holds our schema.
/// A failure is one line that names the setting to fix, never a stack trace and never a password.
/// </summary>
public static class StartupChecks
{
    public static async Task<string?> CheckStoresAsync(StoreConnections connections, VbiOptions options, CancellationToken cancellationToken)
    {
        foreach (var (store, connectionString) in connections.All)
        {
            var setting = StoreConnections.SettingName(store);
            var where = StoreConnections.Describe(connectionString);
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = options.Database.ConnectTimeoutSeconds, Pooling = false };
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                var missing = await SchemaInstaller.MissingAsync(connection, store, cancellationToken);
                if (missing.Count > 0)
                {
                    return $"the {store} database at {where} has no current VbiOrleans schema (missing: {string.Join(", ", missing)}); " +
                           $"run `VbiOrleans.Host init-db` against it, set Vbi:Database:InitializeOnStart=true, or fix the setting {setting}";
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                return $"PostgreSQL for the {store} store is unreachable at {where} ({OneLine(e)}); " +
                       $"fix the setting {setting} (environment {StoreConnections.EnvironmentName(store)})";
            }
        }
        return null;
    }

    private static string OneLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var message = inner == e ? e.Message : $"{e.Message}: {inner.Message}";
        return message.ReplaceLineEndings(" ").Trim();
    }
}
