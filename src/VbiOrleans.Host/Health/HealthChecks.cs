using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Health;

/// <summary>Ready only while this silo is an active member of its cluster.</summary>
public sealed class SiloActiveCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {oracle.SiloName} is active")
            : HealthCheckResult.Unhealthy($"silo {oracle.SiloName} is {oracle.CurrentStatus}"));
}

/// <summary>Each distinct PostgreSQL database of the stores answers a query.</summary>
public sealed class PostgresCheck(StoreConnections connections) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        foreach (var group in connections.All.GroupBy(c => c.Value))
        {
            var stores = string.Join(",", group.Select(g => g.Key));
            try
            {
                await using var connection = new NpgsqlConnection(group.Key);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                data[stores] = "ok";
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
            {
                data[stores] = "unreachable";
                return HealthCheckResult.Unhealthy($"PostgreSQL for {stores} ({StoreConnections.Describe(group.Key)}) does not answer", data: data);
            }
        }
        return HealthCheckResult.Healthy("PostgreSQL answers", data);
    }
}

/// <summary>The archive store (blob container or folder) can be reached.</summary>
public sealed class ArchiveCheck(IArchiveStore archive) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await archive.EnsureReadyAsync(timeout.Token);
            return HealthCheckResult.Healthy(archive.Description);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy($"archive {archive.Description} is unreachable: {e.GetType().Name}");
        }
    }
}

/// <summary>
/// The log feed's consumers: each one's lag (records committed and not yet applied) in the details. A failing consumer
/// makes the check Degraded, not Unhealthy: it never blocks printing, so it must not take the silo out of service.
/// </summary>
public sealed class LogFeedCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<LogFeedStatus> consumers;
        try
        {
            consumers = await grains.GetGrain<ILogFeedDirectoryGrain>(0).Status().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return HealthCheckResult.Degraded($"the log feed's status is unavailable: {e.GetType().Name}");
        }
        var data = consumers.ToDictionary(c => c.Consumer, c => (object)new
        {
            lag = c.Lag,
            position = c.Position,
            lastDelayMs = c.LastDelayMs,
            p99DelayMs = c.P99DelayMs,
            failures = c.ConsecutiveFailures,
            lastError = c.LastError,
        });
        var failing = consumers.Where(c => !c.Healthy).Select(c => c.Consumer).ToList();
        return failing.Count == 0
            ? HealthCheckResult.Healthy($"{consumers.Count} log feed consumers, largest lag {consumers.Select(c => c.Lag).DefaultIfEmpty().Max()} records", data)
            : HealthCheckResult.Degraded($"log feed consumers failing: {string.Join(", ", failing)}", data: data);
    }
}
