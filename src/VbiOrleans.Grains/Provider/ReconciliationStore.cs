using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using VbiOrleans.Abstractions.Provider;

namespace VbiOrleans.Grains.Provider;

/// <summary>
/// Where the daily reconciliation's reports are kept, one per business day (the last run's): PostgreSQL
/// (<c>vbi_reconciliation</c>, infra/sql/57-reconciliation.sql, commerce database) in the Cluster profile, memory in the
/// Local profile. Saving a day again replaces its report and counts the run.
/// </summary>
public interface IReconciliationStore
{
    /// <summary>Stores the report (its <see cref="DailyReconciliationReport.Runs"/> is set here: the day's runs so far) and returns it as stored.</summary>
    Task<DailyReconciliationReport> SaveAsync(DailyReconciliationReport report, CancellationToken cancellationToken = default);

    Task<DailyReconciliationReport?> GetAsync(DateOnly day, CancellationToken cancellationToken = default);
}

/// <summary>The reports in memory (Local profile): lost with the process, as everything of that profile is.</summary>
public sealed class MemoryReconciliationStore : IReconciliationStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DateOnly, DailyReconciliationReport> _reports = [];

    public Task<DailyReconciliationReport> SaveAsync(DailyReconciliationReport report, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var stored = report with { Runs = (_reports.GetValueOrDefault(report.Day)?.Runs ?? 0) + 1 };
            _reports[report.Day] = stored;
            return Task.FromResult(stored);
        }
    }

    public Task<DailyReconciliationReport?> GetAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_reports.GetValueOrDefault(day));
    }
}

/// <summary>The reports in PostgreSQL: the report as JSON beside its day, outcome and run count.</summary>
public sealed class PostgresReconciliationStore(string connectionString) : IReconciliationStore, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public async Task<DailyReconciliationReport> SaveAsync(DailyReconciliationReport report, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "INSERT INTO vbi_reconciliation (day, reconciled, differences, runs, run_at, report) VALUES ($1, $2, $3, 1, $4, $5) " +
            "ON CONFLICT (day) DO UPDATE SET reconciled = EXCLUDED.reconciled, differences = EXCLUDED.differences, runs = vbi_reconciliation.runs + 1, " +
            "run_at = EXCLUDED.run_at, report = EXCLUDED.report RETURNING runs");
        command.Parameters.Add(new NpgsqlParameter { Value = report.Day, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = report.Reconciled });
        command.Parameters.Add(new NpgsqlParameter { Value = report.DifferenceCount });
        command.Parameters.Add(new NpgsqlParameter { Value = report.RunAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(report with { Runs = 0 }, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        var runs = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        return report with { Runs = runs };
    }

    public async Task<DailyReconciliationReport?> GetAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT runs, report::text FROM vbi_reconciliation WHERE day = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = day, NpgsqlDbType = NpgsqlDbType.Date });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var report = JsonSerializer.Deserialize<DailyReconciliationReport>(reader.GetString(1), Json)
            ?? throw new InvalidOperationException($"the stored reconciliation of {day:yyyy-MM-dd} does not read");
        return report with { Runs = reader.GetInt32(0) };
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
