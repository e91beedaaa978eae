using Npgsql;
using NpgsqlTypes;

namespace VbiOrleans.Grains.Provider;

/// <summary>The journal in PostgreSQL (table <c>vbi_provider_journal</c>, infra/sql/55-provider.sql, in the commerce database).</summary>
public sealed class PostgresProviderJournal(string connectionString) : IProviderJournal, IAsyncDisposable
{
    private const string Columns = "meter_id, meter_sequence, kind, at, amount_mills, ar_mills, dr_mills, module_serial, reference, note";
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public async Task AddAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0) return;
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"INSERT INTO vbi_provider_journal ({Columns}) " +
            "SELECT * FROM unnest($1::text[], $2::bigint[], $3::smallint[], $4::timestamptz[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::text[]) " +
            "ON CONFLICT DO NOTHING", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.MeterId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Sequence).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => (short)e.Kind).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.At.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.AmountMills).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.AscendingMills).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.DescendingMills).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.ModuleSerial).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Reference).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Note).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<IReadOnlyList<JournalEntry>> BetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        ReadAsync($"SELECT {Columns} FROM vbi_provider_journal WHERE at >= $1 AND at < $2", cancellationToken, from, to);

    public Task<IReadOnlyList<JournalEntry>> RegistersBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        ReadAsync($"SELECT DISTINCT ON (meter_id) {Columns} FROM vbi_provider_journal j WHERE at < $1 AND ar_mills IS NOT NULL " +
            "AND EXISTS (SELECT 1 FROM vbi_provider_journal l WHERE l.meter_id = j.meter_id AND l.kind = 8 AND l.at < $1) " +
            "ORDER BY meter_id, at DESC, meter_sequence DESC", cancellationToken, before);

    private async Task<IReadOnlyList<JournalEntry>> ReadAsync(string sql, CancellationToken cancellationToken, params DateTimeOffset[] times)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var t in times) command.Parameters.Add(new NpgsqlParameter { Value = t.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<JournalEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new JournalEntry(reader.GetString(0), reader.GetInt64(1), (byte)reader.GetInt16(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.GetString(7), reader.GetString(8), reader.GetString(9)));
        }
        return entries;
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
