using Npgsql;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Database;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// What the Cluster profile does with the shard map before a silo starts: reads the current map from the membership
/// database, resolves its databases' connection strings, applies the schema to them where asked, and checks that each
/// answers and holds it. Without a map the stores stay one database each, as configured.
/// </summary>
public static class ShardStartup
{
    /// <returns>The routing (null without a map), or a one-line failure naming the database and setting to fix.</returns>
    public static async Task<(ShardRouting? Routing, string? Failure)> LoadAsync(StoreConnections connections, IConfiguration configuration,
        bool applySchema, int connectTimeoutSeconds, Action<string> report, CancellationToken cancellationToken)
    {
        var map = await new PostgresShardMapStore(connections[Abstractions.StorageNames.Membership]).CurrentAsync(cancellationToken);
        if (map is null) return (null, null);
        var routing = ShardRouting.Resolve(map, configuration, out var failure);
        if (routing is null) return (null, $"shard map version {map.Version}: {failure}");
        foreach (var store in new[] { ShardMap.PostalStore, ShardMap.ModuleStore })
        {
            foreach (var database in map.DatabasesOf(store))
            {
                var connectionString = routing.ConnectionString(database.Name);
                var where = StoreConnections.Describe(connectionString);
                try
                {
                    if (applySchema) await SchemaInstaller.ApplyToAsync(store, connectionString, line => report($"shard {database.Name}: {line}"), cancellationToken);
                    var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = connectTimeoutSeconds, Pooling = false };
                    await using var connection = new NpgsqlConnection(builder.ConnectionString);
                    await connection.OpenAsync(cancellationToken);
                    var missing = await SchemaInstaller.MissingAsync(connection, store, cancellationToken);
                    if (missing.Count > 0)
                    {
                        return (null, $"the shard map's {store} database '{database.Name}' at {where} has no current VbiOrleans schema (missing: {string.Join(", ", missing)}); " +
                                      "run `VbiOrleans.Host init-db` or set Vbi:Database:InitializeOnStart=true");
                    }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
                {
                    return (null, $"the shard map's {store} database '{database.Name}' is unreachable at {where} ({e.Message.ReplaceLineEndings(" ")}); " +
                                  $"fix ConnectionStrings:{database.Connection}");
                }
            }
        }
        return (routing, null);
    }
}
