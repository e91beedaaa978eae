using Npgsql;
using VbiOrleans.Abstractions.Commerce;

namespace VbiOrleans.Grains.Commerce.Ach;

/// <summary>
/// The ACH debits, files and returns in the commerce database (infra/sql/53-ach.sql). Each change is one statement
/// or one transaction, so a crash leaves either the old rows or the new ones; the grain orders its steps so that
/// either state is picked up again by the next run.
/// </summary>
public sealed class PostgresAchStore(string connectionString) : IAchStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    private const string DebitColumns = "purchase_id, customer_id, payment_method_id, amount_mills, effective_date, trace_number, status, file_id, " +
        "settle_on, return_code, queued_at, settled_at, returned_at, return_paid_at, return_paid_charge, direction";

    private const string FileColumns = "file_id, file_date, archive_name, entry_count, total_mills, entry_hash, block_count, sha256, created_at, written";

    private const string ReturnColumns = "trace_number, return_code, settled_first, archive_name, received_at, applied";

    public async Task<AchDebitRow> QueueAsync(AchDebitRequest request, string odfiPrefix, DateTimeOffset at)
    {
        // The sequence is drawn only when the row is new: a repeated request leaves no gap and takes no trace.
        await using var command = _source.CreateCommand(
            $"""
            INSERT INTO vbi_ach_debit (purchase_id, customer_id, payment_method_id, amount_mills, effective_date, trace_number, status, queued_at, direction)
            SELECT $1, $2, $3, $4, $5, $6 || lpad(nextval('vbi_ach_trace')::text, 7, '0'), 1, $7, $8
            WHERE NOT EXISTS (SELECT 1 FROM vbi_ach_debit WHERE purchase_id = $1)
            ON CONFLICT (purchase_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = request.PurchaseId });
        command.Parameters.Add(new() { Value = request.CustomerId });
        command.Parameters.Add(new() { Value = request.PaymentMethodId });
        command.Parameters.Add(new() { Value = request.AmountMills });
        command.Parameters.Add(new() { Value = request.EffectiveDate });
        command.Parameters.Add(new() { Value = odfiPrefix });
        command.Parameters.Add(new() { Value = at.ToUniversalTime() });
        command.Parameters.Add(new() { Value = (short)request.Direction });
        await command.ExecuteNonQueryAsync();
        return (await ReadDebitsAsync($"SELECT {DebitColumns} FROM vbi_ach_debit WHERE purchase_id = $1", request.PurchaseId)).Single();
    }

    public async Task<AchDebitRow?> FindByTraceAsync(string traceNumber) =>
        (await ReadDebitsAsync($"SELECT {DebitColumns} FROM vbi_ach_debit WHERE trace_number = $1", traceNumber)).SingleOrDefault();

    public Task<IReadOnlyList<AchDebitRow>> DebitsOfCustomerAsync(string customerId, int limit) =>
        ReadDebitsAsync($"SELECT {DebitColumns} FROM vbi_ach_debit WHERE customer_id = $1 ORDER BY queued_at DESC, trace_number DESC LIMIT $2", customerId, limit);

    public Task<IReadOnlyList<AchDebitRow>> QueuedBeforeAsync(DateTimeOffset before, int limit) =>
        ReadDebitsAsync($"SELECT {DebitColumns} FROM vbi_ach_debit WHERE status = 1 AND queued_at < $1 ORDER BY trace_number LIMIT $2", before.ToUniversalTime(), limit);

    public async Task<AchFileRow?> FindFileAsync(DateOnly date) =>
        (await ReadFilesAsync($"SELECT {FileColumns} FROM vbi_ach_file WHERE file_date = $1", date)).SingleOrDefault();

    public Task<IReadOnlyList<AchFileRow>> FilesAsync(DateOnly? date, int limit) => date is { } day
        ? ReadFilesAsync($"SELECT {FileColumns} FROM vbi_ach_file WHERE file_date = $1 LIMIT $2", day, limit)
        : ReadFilesAsync($"SELECT {FileColumns} FROM vbi_ach_file ORDER BY file_date DESC LIMIT $1", limit);

    public async Task<bool> CreateFileAsync(AchFileRow file, IReadOnlyList<(string PurchaseId, DateOnly SettleOn)> debits)
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO vbi_ach_file ({FileColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING", connection, transaction))
        {
            foreach (var value in new object?[] { file.FileId, file.Date, file.ArchiveName, file.EntryCount, file.TotalMills, file.EntryHash, file.BlockCount,
                         file.Sha256, file.CreatedAt.ToUniversalTime(), file.Written })
                insert.Parameters.Add(new() { Value = value ?? DBNull.Value });
            if (await insert.ExecuteNonQueryAsync() != 1) return false;
        }
        if (debits.Count > 0)
        {
            await using var mark = new NpgsqlCommand(
                """
                UPDATE vbi_ach_debit d SET status = 2, file_id = $1, settle_on = s.settle_on
                FROM unnest($2::text[], $3::date[]) AS s(purchase_id, settle_on)
                WHERE d.purchase_id = s.purchase_id AND d.status = 1
                """, connection, transaction);
            mark.Parameters.Add(new() { Value = file.FileId });
            mark.Parameters.Add(new() { Value = debits.Select(d => d.PurchaseId).ToArray() });
            mark.Parameters.Add(new() { Value = debits.Select(d => d.SettleOn).ToArray() });
            if (await mark.ExecuteNonQueryAsync() != debits.Count) return false; // disposing rolls back
        }
        await transaction.CommitAsync();
        return true;
    }

    public Task<IReadOnlyList<AchDebitRow>> DebitsInFileAsync(string fileId) =>
        ReadDebitsAsync($"SELECT {DebitColumns} FROM vbi_ach_debit WHERE file_id = $1 ORDER BY trace_number", fileId);

    public Task MarkFileWrittenAsync(string fileId) => ExecuteAsync("UPDATE vbi_ach_file SET written = true WHERE file_id = $1", fileId);

    public Task<IReadOnlyList<AchDebitRow>> DueForSettlementAsync(DateOnly asOf, int limit) =>
        ReadDebitsAsync(
            $"""
            SELECT {DebitColumns} FROM vbi_ach_debit d WHERE status = 2 AND settle_on <= $1
              AND NOT EXISTS (SELECT 1 FROM vbi_ach_return r WHERE r.trace_number = d.trace_number)
            ORDER BY trace_number LIMIT $2
            """, asOf, limit);

    public Task MarkSettledAsync(string purchaseId, DateTimeOffset at) =>
        ExecuteAsync("UPDATE vbi_ach_debit SET status = 3, settled_at = $2 WHERE purchase_id = $1 AND status = 2", purchaseId, at.ToUniversalTime());

    public async Task<(AchReturnRow Row, bool Inserted)> RecordReturnAsync(AchReturnRow row)
    {
        await using var command = _source.CreateCommand(
            $"INSERT INTO vbi_ach_return ({ReturnColumns}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (trace_number) DO NOTHING");
        foreach (var value in new object[] { row.TraceNumber, row.ReturnCode, row.SettledFirst, row.ArchiveName, row.ReceivedAt.ToUniversalTime(), row.Applied })
            command.Parameters.Add(new() { Value = value });
        var inserted = await command.ExecuteNonQueryAsync() == 1;
        var stored = (await ReadReturnsAsync($"SELECT {ReturnColumns} FROM vbi_ach_return WHERE trace_number = $1", row.TraceNumber)).Single();
        return (stored, inserted);
    }

    public Task<IReadOnlyList<AchReturnRow>> PendingReturnsAsync(int limit) =>
        ReadReturnsAsync($"SELECT {ReturnColumns} FROM vbi_ach_return WHERE NOT applied ORDER BY received_at LIMIT $1", limit);

    public async Task MarkReturnAppliedAsync(string traceNumber, string returnCode, DateTimeOffset at)
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var debit = new NpgsqlCommand(
            "UPDATE vbi_ach_debit SET status = 4, return_code = $2, returned_at = $3 WHERE trace_number = $1 AND status <> 4", connection, transaction))
        {
            debit.Parameters.Add(new() { Value = traceNumber });
            debit.Parameters.Add(new() { Value = returnCode });
            debit.Parameters.Add(new() { Value = at.ToUniversalTime() });
            await debit.ExecuteNonQueryAsync();
        }
        await using (var applied = new NpgsqlCommand("UPDATE vbi_ach_return SET applied = true WHERE trace_number = $1", connection, transaction))
        {
            applied.Parameters.Add(new() { Value = traceNumber });
            await applied.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    public Task MarkReturnPaidAsync(string traceNumber, string chargeId, DateTimeOffset at) =>
        ExecuteAsync("UPDATE vbi_ach_debit SET return_paid_at = $2, return_paid_charge = $3 WHERE trace_number = $1 AND return_paid_at IS NULL",
            traceNumber, at.ToUniversalTime(), chargeId);

    public async Task<bool> IsReturnFileReadAsync(string archiveName)
    {
        await using var command = _source.CreateCommand("SELECT 1 FROM vbi_ach_return_file WHERE archive_name = $1");
        command.Parameters.Add(new() { Value = archiveName });
        return await command.ExecuteScalarAsync() is not null;
    }

    public async Task<IReadOnlyList<string>> UnreadReturnFilesAsync(IReadOnlyList<string> archiveNames)
    {
        if (archiveNames.Count == 0) return [];
        await using var command = _source.CreateCommand(
            "SELECT n.name FROM unnest($1::text[]) WITH ORDINALITY AS n(name, i) " +
            "WHERE NOT EXISTS (SELECT 1 FROM vbi_ach_return_file f WHERE f.archive_name = n.name) ORDER BY n.i");
        command.Parameters.Add(new() { Value = archiveNames.ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        var unread = new List<string>();
        while (await reader.ReadAsync()) unread.Add(reader.GetString(0));
        return unread;
    }

    public Task MarkReturnFileReadAsync(string archiveName, int returns, DateTimeOffset at) =>
        ExecuteAsync("INSERT INTO vbi_ach_return_file (archive_name, read_at, returns) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            archiveName, at.ToUniversalTime(), returns);

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = _source.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new() { Value = p });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<IReadOnlyList<AchDebitRow>> ReadDebitsAsync(string sql, params object[] parameters)
    {
        await using var command = _source.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new() { Value = p });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AchDebitRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AchDebitRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3),
                reader.GetFieldValue<DateOnly>(4), reader.GetString(5), (AchDebitStatus)reader.GetInt16(6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateOnly>(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10), Time(reader, 11), Time(reader, 12),
                Time(reader, 13), reader.IsDBNull(14) ? null : reader.GetString(14), (Domain.ProviderFiles.Nacha.AchDirection)reader.GetInt16(15)));
        }
        return rows;
    }

    private async Task<IReadOnlyList<AchFileRow>> ReadFilesAsync(string sql, params object[] parameters)
    {
        await using var command = _source.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new() { Value = p });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AchFileRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AchFileRow(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetBoolean(9)));
        }
        return rows;
    }

    private async Task<IReadOnlyList<AchReturnRow>> ReadReturnsAsync(string sql, params object[] parameters)
    {
        await using var command = _source.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new() { Value = p });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AchReturnRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AchReturnRow(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetBoolean(5)));
        }
        return rows;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
