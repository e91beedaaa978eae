using Microsoft.Extensions.Configuration;
using Npgsql;
using VbiOrleans.Abstractions;

namespace VbiOrleans.Host.Configuration;

/// <summary>The PostgreSQL connection string of each named store (<c>ConnectionStrings:postal</c>, …).</summary>
public sealed class StoreConnections
{
    private readonly Dictionary<string, string> _byStore;

    private StoreConnections(Dictionary<string, string> byStore) => _byStore = byStore;

    public string this[string store] => _byStore[store];

    public IEnumerable<KeyValuePair<string, string>> All => _byStore;

    /// <summary>
    /// The shard map the postal and module stores route by (docs/scaling.md), or null: each store is then the one
    /// database above.
    /// </summary>
    public VbiOrleans.Host.Shards.ShardRouting? Shards { get; private init; }

    public StoreConnections WithShards(VbiOrleans.Host.Shards.ShardRouting? shards) => new(_byStore) { Shards = shards };

    public static string SettingName(string store) => $"ConnectionStrings:{store}";

    public static string EnvironmentName(string store) => $"ConnectionStrings__{store}";

    /// <summary>Reads all four; returns the name of the first missing or malformed setting as the error.</summary>
    public static StoreConnections? Read(IConfiguration configuration, out string? error)
    {
        var byStore = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var store in StorageNames.All)
        {
            var value = configuration.GetConnectionString(store);
            if (string.IsNullOrWhiteSpace(value))
            {
                error = $"{SettingName(store)} is not set; give it a PostgreSQL connection string (environment {EnvironmentName(store)})";
                return null;
            }
            try
            {
                _ = new NpgsqlConnectionStringBuilder(value);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                error = $"{SettingName(store)} is not a valid PostgreSQL connection string ({e.Message}); fix the setting {SettingName(store)}";
                return null;
            }
            byStore[store] = value;
        }
        error = null;
        return new StoreConnections(byStore);
    }

    /// <summary>Host, port and database only: safe for logs and error messages (never the password).</summary>
    public static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }
}
