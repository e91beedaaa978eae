using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace VbiOrleans.Grains.Log.Export;

/// <summary>
/// Which purchases and invoices were written on which UTC day, so the nightly export lists a day's purchases and
/// invoices (grain state, opaque and keyed by hash in the store) without scanning every one. A grain marks the day
/// <em>before</em> it writes its state (write-ahead, idempotent), so a state that is durable always has its day marked,
/// whatever crashes; a mark whose state write then failed names a purchase or invoice that the export reads and finds
/// missing (skipped) or as it was before. PostgreSQL (infra/sql/58-export-index.sql, commerce database) in the
/// Cluster profile, memory in the Local profile. docs/export.md, "Purchases and invoices by day".
/// </summary>
public interface IExportDayIndex
{
    /// <summary>Marks that <paramref name="id"/> of <paramref name="kind"/> is written on the UTC day of <paramref name="at"/> (idempotent).</summary>
    Task MarkAsync(ExportIndexKind kind, string id, DateTimeOffset at);

    /// <summary>The ids of <paramref name="kind"/> marked on <paramref name="day"/>, in ordinal order, after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> ListAsync(ExportIndexKind kind, DateOnly day, string? after, int limit);
}

public enum ExportIndexKind
{
    Purchase = 1,
    Invoice = 2,
}

public sealed class PostgresExportDayIndex(string connectionString) : IExportDayIndex, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public async Task MarkAsync(ExportIndexKind kind, string id, DateTimeOffset at)
    {
        await using var command = _source.CreateCommand("INSERT INTO vbi_export_day_index (kind, day, id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = (short)kind });
        command.Parameters.Add(new NpgsqlParameter { Value = DayOf(at), NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<string>> ListAsync(ExportIndexKind kind, DateOnly day, string? after, int limit)
    {
        await using var command = _source.CreateCommand(
            "SELECT id FROM vbi_export_day_index WHERE kind = $1 AND day = $2 AND id COLLATE \"C\" > $3 ORDER BY id COLLATE \"C\" LIMIT $4");
        command.Parameters.Add(new NpgsqlParameter { Value = (short)kind });
        command.Parameters.Add(new NpgsqlParameter { Value = day, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = after ?? "" });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    internal static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}

/// <summary>The index in memory (Local profile), lost at exit like the grain state it indexes.</summary>
public sealed class MemoryExportDayIndex : IExportDayIndex
{
    private readonly ConcurrentDictionary<(ExportIndexKind Kind, DateOnly Day, string Id), byte> _marks = new();

    public Task MarkAsync(ExportIndexKind kind, string id, DateTimeOffset at)
    {
        _marks.TryAdd((kind, PostgresExportDayIndex.DayOf(at), id), 0);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(ExportIndexKind kind, DateOnly day, string? after, int limit) =>
        Task.FromResult<IReadOnlyList<string>>([.. _marks.Keys.Where(k => k.Kind == kind && k.Day == day && string.CompareOrdinal(k.Id, after ?? "") > 0)
            .Select(k => k.Id).Order(StringComparer.Ordinal).Take(limit)]);
}
