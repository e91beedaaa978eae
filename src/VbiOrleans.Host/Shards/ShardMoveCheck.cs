using Npgsql;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// Nothing moves meters between databases yet (docs/scaling.md): a new map may give a bucket another database only
/// while the bucket's current database (the current map's, or the store's configured one before any map) holds no
/// meter of it. Otherwise those meters' rows would stay where nothing reads them.
/// </summary>
public static class ShardMoveCheck
{
    public static async Task<DomainError?> CheckAsync(ShardMap? current, ShardMap proposed, ShardRouting proposedRouting, StoreConnections connections,
        IConfiguration configuration, CancellationToken cancellationToken)
    {
        ShardRouting? currentRouting = null;
        if (current is not null && (currentRouting = ShardRouting.Resolve(current, configuration, out var failure)) is null)
            return new DomainError(ErrorCode.ShardMapConnectionUnknown, $"the current map's meters cannot be checked on this host: {failure}");
        foreach (var store in new[] { ShardMap.PostalStore, ShardMap.ModuleStore })
        {
            // Each current database that would lose buckets, with those buckets.
            var moving = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
            for (var bucket = 0; bucket < proposed.Buckets; bucket++)
            {
                var from = currentRouting is null ? connections[store] : currentRouting.ConnectionString(current!.DatabaseOf(store, bucket).Name);
                var to = proposedRouting.ConnectionString(proposed.DatabaseOf(store, bucket).Name);
                if (SameDatabase(from, to)) continue;
                if (!moving.TryGetValue(from, out var buckets)) moving[from] = buckets = [];
                buckets.Add(bucket);
            }
            foreach (var (from, buckets) in moving)
            {
                var (count, example) = await MetersInAsync(from, buckets, proposed.Buckets, cancellationToken);
                if (count > 0)
                {
                    return new DomainError(ErrorCode.ShardMapBucketNotEmpty,
                        $"the {store} database at {StoreConnections.Describe(from)} holds {count} meter row(s) of buckets this map gives to another database " +
                        $"(for example {example}, bucket {proposed.BucketOf(example!)}); moving meters is not built, so those buckets keep their database");
                }
            }
        }
        return null;
    }

    /// <summary>The rows of meter-keyed grains (every key that is a meter id) in one database that fall in <paramref name="buckets"/>.</summary>
    private static async Task<(long Count, string? Example)> MetersInAsync(string connectionString, HashSet<int> buckets, int bucketCount, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // A database no silo has started on yet has no schema, and so no meter.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('orleansstorage') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!) return (0, null);
        }
        await using var command = new NpgsqlCommand("SELECT DISTINCT GrainIdExtensionString FROM OrleansStorage WHERE GrainIdExtensionString LIKE 'm-%'", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long count = 0;
        string? example = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            if (!MeterId.TryParse(key, out _) || !buckets.Contains(ShardMap.BucketOf(key, bucketCount))) continue;
            count++;
            example ??= key;
        }
        return (count, example);
    }

    private static bool SameDatabase(string a, string b)
    {
        var x = new NpgsqlConnectionStringBuilder(a);
        var y = new NpgsqlConnectionStringBuilder(b);
        return x.Port == y.Port && string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && string.Equals(x.Database, y.Database, StringComparison.Ordinal);
    }
}
