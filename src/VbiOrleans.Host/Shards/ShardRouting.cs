using Npgsql;
using VbiOrleans.Domain.Shards;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// The shard map this silo routes by, with each of its databases' connection strings taken from configuration
/// (<c>ConnectionStrings:NAME</c> for the map's <c>connection</c> NAME). Read once at start: a new map applies to a
/// silo from its next start (docs/scaling.md).
/// </summary>
public sealed class ShardRouting
{
    private readonly IReadOnlyDictionary<string, string> _connections;

    private ShardRouting(ShardMap map, IReadOnlyDictionary<string, string> connections)
    {
        Map = map;
        _connections = connections;
    }

    public ShardMap Map { get; }

    /// <summary>The connection string of one of the map's databases.</summary>
    public string ConnectionString(string database) => _connections[database];

    /// <summary>
    /// Resolves every database some bucket uses to its configured connection string, which must be set, be a PostgreSQL
    /// connection string, and point at the server the map names. A failure names the database and the setting (never
    /// the connection string: it holds a password).
    /// </summary>
    public static ShardRouting? Resolve(ShardMap map, IConfiguration configuration, out string? failure)
    {
        var connections = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var database in map.DatabasesOf(ShardMap.PostalStore).Concat(map.DatabasesOf(ShardMap.ModuleStore)))
        {
            var setting = $"ConnectionStrings:{database.Connection}";
            var value = configuration.GetConnectionString(database.Connection);
            if (string.IsNullOrWhiteSpace(value))
            {
                failure = $"the shard map's database '{database.Name}' names the connection string '{database.Connection}', but {setting} is not set " +
                          $"(environment ConnectionStrings__{database.Connection})";
                return null;
            }
            NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new NpgsqlConnectionStringBuilder(value);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                failure = $"{setting}, the shard map's database '{database.Name}', is not a valid PostgreSQL connection string";
                return null;
            }
            var server = $"{builder.Host}:{builder.Port}";
            if (!ShardMap.SameServer(server, database.Server))
            {
                failure = $"the shard map puts database '{database.Name}' on {database.Server}, but {setting} points at {server}";
                return null;
            }
            connections[database.Name] = value;
        }
        failure = null;
        return new ShardRouting(map, connections);
    }
}
