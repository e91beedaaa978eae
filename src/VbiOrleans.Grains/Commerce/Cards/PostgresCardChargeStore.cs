using Npgsql;

namespace VbiOrleans.Grains.Commerce.Cards;

/// <summary>The card charges in the commerce database (infra/sql/56-cards.sql); each change is one statement.</summary>
public sealed class PostgresCardChargeStore(string connectionString) : ICardChargeStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    private const string Columns = "charge_id, customer_id, purpose, reference, amount_mills, captured_at, checked_at, dispute_id, dispute_mills, " +
        "dispute_reason, disputed_at, chargeback_applied";

    public async Task RecordCaptureAsync(CardChargeRow row)
    {
        await using var command = _source.CreateCommand(
            """
            INSERT INTO vbi_card_charge (charge_id, customer_id, purpose, reference, amount_mills, captured_at)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (charge_id) DO NOTHING
            """);
        Add(command, row.ChargeId, row.CustomerId, row.Purpose, row.Reference, row.AmountMills, row.CapturedAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync();
    }

    public async Task<CardChargeRow?> FindAsync(string chargeId) =>
        (await ReadAsync($"SELECT {Columns} FROM vbi_card_charge WHERE charge_id = $1", chargeId)).SingleOrDefault();

    public Task<IReadOnlyList<CardChargeRow>> DueForDisputeCheckAsync(DateTimeOffset capturedSince, int limit) =>
        ReadAsync($"SELECT {Columns} FROM vbi_card_charge WHERE dispute_id IS NULL AND captured_at >= $1 ORDER BY checked_at NULLS FIRST, captured_at LIMIT $2",
            capturedSince.ToUniversalTime(), limit);

    public async Task MarkCheckedAsync(IReadOnlyList<string> chargeIds, DateTimeOffset at)
    {
        if (chargeIds.Count == 0) return;
        await using var command = _source.CreateCommand("UPDATE vbi_card_charge SET checked_at = $2 WHERE charge_id = ANY($1)");
        Add(command, chargeIds.ToArray(), at.ToUniversalTime());
        await command.ExecuteNonQueryAsync();
    }

    public async Task<CardChargeRow> RecordDisputeAsync(string chargeId, string disputeId, long disputeMills, string reason, DateTimeOffset at)
    {
        await using (var command = _source.CreateCommand(
            "UPDATE vbi_card_charge SET dispute_id = $2, dispute_mills = $3, dispute_reason = $4, disputed_at = $5 WHERE charge_id = $1 AND dispute_id IS NULL"))
        {
            Add(command, chargeId, disputeId, disputeMills, reason, at.ToUniversalTime());
            await command.ExecuteNonQueryAsync();
        }
        return (await FindAsync(chargeId))!;
    }

    public Task<IReadOnlyList<CardChargeRow>> PendingChargebacksAsync(int limit) =>
        ReadAsync($"SELECT {Columns} FROM vbi_card_charge WHERE dispute_id IS NOT NULL AND NOT chargeback_applied ORDER BY disputed_at LIMIT $1", limit);

    public async Task MarkChargebackAppliedAsync(string chargeId)
    {
        await using var command = _source.CreateCommand("UPDATE vbi_card_charge SET chargeback_applied = true WHERE charge_id = $1");
        Add(command, chargeId);
        await command.ExecuteNonQueryAsync();
    }

    public Task<IReadOnlyList<CardChargeRow>> ChargesOfCustomerAsync(string customerId, int limit) =>
        ReadAsync($"SELECT {Columns} FROM vbi_card_charge WHERE customer_id = $1 ORDER BY captured_at DESC, charge_id DESC LIMIT $2", customerId, limit);

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private static void Add(NpgsqlCommand command, params object[] values)
    {
        foreach (var value in values) command.Parameters.Add(new() { Value = value });
    }

    private async Task<IReadOnlyList<CardChargeRow>> ReadAsync(string sql, params object[] parameters)
    {
        await using var command = _source.CreateCommand(sql);
        Add(command, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<CardChargeRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new CardChargeRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.GetFieldValue<DateTimeOffset>(5), Time(reader, 6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetString(9), Time(reader, 10), reader.GetBoolean(11)));
        }
        return rows;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
