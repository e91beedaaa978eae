using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using VbiOrleans.Domain.Shards;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// Each database of the shard map answers a query; the buckets of one that does not are named, per store. A database
/// down stops only its buckets' meters, so the host stays ready (Degraded, HTTP 200) and says which buckets are out.
/// </summary>
public sealed class ShardHealthCheck(ShardRouting startup, IServiceProvider services) : IHealthCheck
{
    /// <summary>How long a probe waits for a database to answer.</summary>
    public const int ProbeTimeoutSeconds = 2;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // The map in force now (it changes while the silo runs when a database is added or a bucket moves).
        var routing = services.GetService<LiveShardMap>()?.Routing ?? startup;
        var map = routing.Map;
        var data = new Dictionary<string, object>();
        var down = new HashSet<string>(StringComparer.Ordinal);
        foreach (var database in map.DatabasesOf(ShardMap.PostalStore).Concat(map.DatabasesOf(ShardMap.ModuleStore)))
        {
            var builder = new NpgsqlConnectionStringBuilder(routing.ConnectionString(database.Name)) { Timeout = ProbeTimeoutSeconds, CommandTimeout = ProbeTimeoutSeconds };
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                data[database.Name] = "ok";
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                data[database.Name] = "unreachable";
                down.Add(database.Name);
            }
        }
        data["version"] = map.Version;
        if (down.Count == 0) return HealthCheckResult.Healthy($"every database of shard map version {map.Version} answers", data);
        int[] Out(IReadOnlyList<string> assigned) => [.. Enumerable.Range(0, map.Buckets).Where(b => down.Contains(assigned[b]))];
        data["unavailablePostalBuckets"] = Out(map.Postal);
        data["unavailableModuleBuckets"] = Out(map.Module);
        return HealthCheckResult.Degraded(
            $"shard map version {map.Version}: {string.Join(", ", down.Order(StringComparer.Ordinal))} do not answer; the meters of their buckets cannot be served", data: data);
    }
}
