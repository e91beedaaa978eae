using Npgsql;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Log;
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

    /// <summary>
    /// A module database whose log holds nothing, beside an archive that holds that log, was lost or replaced: a host
    /// that started on it would make a new log key, seal a second log over the archived one and inhibit every meter
    /// whose module memory is gone. It refuses, naming the recovery. Checked for the home log (the module store's
    /// configured database, <c>log/</c>) and for each module database's log of the shard map (<c>logs/NAME/</c>). An
    /// archive that cannot be reached is not a reason to refuse (the log keeps everything until it can be shipped).
    /// </summary>
    public static async Task<string?> CheckLogAgainstArchiveAsync(StoreConnections connections, IArchiveStore archive, CancellationToken cancellationToken)
    {
        var home = connections[Abstractions.StorageNames.Module];
        if (await LostAsync(home, LogArchiveLayout.Home, archive, cancellationToken))
        {
            return $"the module database at {StoreConnections.Describe(home)} holds no transaction log, but the archive " +
                   $"{archive.Description} holds one: the module database was lost or replaced. Restore it with `vbi-admin restore-snapshot --module` " +
                   "(docs/transaction-log.md, \"A lost module database\"), or give this deployment a new archive container (Vbi:Archive:Container)";
        }
        if (connections.Shards is not { } shards) return null;
        foreach (var database in shards.Map.DatabasesOf(Domain.Shards.ShardMap.ModuleStore))
        {
            var connectionString = shards.ConnectionString(database.Name);
            var layout = LogArchiveLayout.OfShard(database.Name);
            if (await LostAsync(connectionString, layout, archive, cancellationToken))
            {
                return $"the shard map's module database '{database.Name}' at {StoreConnections.Describe(connectionString)} holds no transaction log, but the " +
                       $"archive {archive.Description} holds its log ({layout.Prefix}): the database was lost or replaced. Restore it with " +
                       $"`vbi-admin restore-snapshot --shard {database.Name}=...` (docs/transaction-log.md, \"A lost module database\"), " +
                       $"or fix ConnectionStrings:{database.Connection}";
            }
        }
        return null;
    }

    /// <summary>Whether the log in this database is empty while the archive holds that log's verifier key (it shipped before).</summary>
    private static async Task<bool> LostAsync(string connectionString, LogArchiveLayout layout, IArchiveStore archive, CancellationToken cancellationToken)
    {
        await using var store = new PostgresLogStore(connectionString);
        var (records, checkpoints) = await store.CountAsync(cancellationToken);
        if (records > 0 || checkpoints > 0) return false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            return await archive.GetAsync(layout.VerifierKeyName, timeout.Token) is not null;
        }
        catch (Exception e) when (e is IOException or Azure.RequestFailedException or HttpRequestException or OperationCanceledException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string OneLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var message = inner == e ? e.Message : $"{e.Message}: {inner.Message}";
        return message.ReplaceLineEndings(" ").Trim();
    }
}
