using System.Data;
using Npgsql;
using NpgsqlTypes;
using VbiOrleans.Abstractions.Commerce;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// The ledger in PostgreSQL (infra/sql/52-ledger.sql, the commerce database). Append-only: this class only INSERTs
/// into <c>vbi_ledger_entry</c> and <c>vbi_ledger_posting</c>. A post of many entries is one transaction and one round
/// trip for the inserts: each entry's insert is skipped when its id exists (ON CONFLICT DO NOTHING, which waits for a
/// concurrent insert of the same id to end), and only those entries' postings are read back to compare.
/// </summary>
public sealed class PostgresLedgerStore(string connectionString) : ILedgerStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public string Description { get; } = Describe(connectionString);

    private static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{b.Host}:{b.Port}/{b.Database}";
    }

    // The entry, then its postings from three arrays, only when the entry was inserted now.
    private const string InsertEntry =
        "WITH e AS (INSERT INTO vbi_ledger_entry (id, kind, at, customer_id, meter_id, reference, memo) VALUES ($1, $2, $3, $4, $5, $6, $7) " +
        "ON CONFLICT (id) DO NOTHING RETURNING id) " +
        "INSERT INTO vbi_ledger_posting (entry_id, line, account, debit_mills, credit_mills) " +
        "SELECT e.id, p.line, p.account, p.debit, p.credit FROM e, unnest($8::text[], $9::bigint[], $10::bigint[]) WITH ORDINALITY AS p(account, debit, credit, line) " +
        "RETURNING entry_id";

    private const string UpsertMeter =
        "INSERT INTO vbi_ledger_meter (meter_id, customer_id, sequence, dr_mills) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) " +
        "ON CONFLICT (meter_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, sequence = EXCLUDED.sequence, dr_mills = EXCLUDED.dr_mills " +
        "WHERE vbi_ledger_meter.sequence < EXCLUDED.sequence";

    public async Task<IReadOnlyList<LedgerPostResult>> PostAsync(IReadOnlyList<LedgerEntry> entries, IReadOnlyList<LedgerMeterRegisters> meters,
        CancellationToken cancellationToken = default)
    {
        var results = new LedgerPostResult?[entries.Count];
        var toWrite = new List<int>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (LedgerEntryChecks.Refusal(entries[i]) is { } refused) results[i] = refused;
            else toWrite.Add(i);
        }
        // One meter row per meter: the batch's last (highest sequence) registers.
        var latest = meters.GroupBy(m => m.MeterId, StringComparer.Ordinal).Select(g => g.MaxBy(m => m.Sequence)!).ToList();
        if (toWrite.Count == 0 && latest.Count == 0) return [.. results.Select(r => r!)];

        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = new List<int>();
        if (toWrite.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var i in toWrite) batch.BatchCommands.Add(InsertCommand(entries[i]));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            foreach (var i in toWrite)
            {
                var inserted = await reader.ReadAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) { } // the entry's other postings
                if (inserted) results[i] = new LedgerPostResult(LedgerPostStatus.Posted, null);
                else existing.Add(i);
                await reader.NextResultAsync(cancellationToken);
            }
        }
        if (existing.Count > 0)
        {
            var posted = await PostingsOfAsync(connection, transaction, [.. existing.Select(i => entries[i].Id)], cancellationToken);
            foreach (var i in existing) results[i] = LedgerEntryChecks.AlreadyOrConflict(entries[i], posted.GetValueOrDefault(entries[i].Id) ?? []);
        }
        if (latest.Count > 0)
        {
            await using var upsert = new NpgsqlCommand(UpsertMeter, connection, transaction);
            upsert.Parameters.Add(new NpgsqlParameter { Value = latest.Select(m => m.MeterId).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = latest.Select(m => m.CustomerId).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = latest.Select(m => m.Sequence).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = latest.Select(m => m.DescendingMills).ToArray() });
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return [.. results.Select(r => r!)];
    }

    private static NpgsqlBatchCommand InsertCommand(LedgerEntry e)
    {
        var command = new NpgsqlBatchCommand(InsertEntry);
        command.Parameters.Add(new NpgsqlParameter { Value = e.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = e.Kind });
        command.Parameters.Add(new NpgsqlParameter { Value = e.At.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)e.CustomerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)e.MeterId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Reference ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = e.Memo });
        command.Parameters.Add(new NpgsqlParameter { Value = e.Postings.Select(p => p.Account).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = e.Postings.Select(p => p.DebitMills).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = e.Postings.Select(p => p.CreditMills).ToArray() });
        return command;
    }

    private static async Task<Dictionary<string, List<Posting>>> PostingsOfAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string[] ids, CancellationToken cancellationToken)
    {
        var postings = new Dictionary<string, List<Posting>>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "SELECT entry_id, account, debit_mills, credit_mills FROM vbi_ledger_posting WHERE entry_id = ANY($1) ORDER BY entry_id, line", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (!postings.TryGetValue(id, out var list)) postings[id] = list = [];
            list.Add(new Posting(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return postings;
    }

    public async Task<long> BalanceAsync(string account, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "SELECT coalesce(sum(debit_mills), 0)::bigint - coalesce(sum(credit_mills), 0)::bigint FROM vbi_ledger_posting WHERE account = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = account });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> BalanceBeforeAsync(string account, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "SELECT coalesce(sum(p.debit_mills), 0)::bigint - coalesce(sum(p.credit_mills), 0)::bigint FROM vbi_ledger_posting p " +
            "JOIN vbi_ledger_entry e ON e.id = p.entry_id WHERE p.account = $1 AND e.at < $2");
        command.Parameters.Add(new NpgsqlParameter { Value = account });
        command.Parameters.Add(new NpgsqlParameter { Value = before.ToUniversalTime() });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<AccountTotals>> TotalsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "SELECT account, sum(debit_mills)::bigint, sum(credit_mills)::bigint FROM vbi_ledger_posting GROUP BY account ORDER BY account COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var totals = new List<AccountTotals>();
        while (await reader.ReadAsync(cancellationToken)) totals.Add(new AccountTotals(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        return totals;
    }

    private const string EntryColumns = "id, kind, at, customer_id, meter_id, reference, memo";

    public async Task<IReadOnlyList<LedgerEntry>> EntriesOfAsync(string customerId, DateTimeOffset from, DateTimeOffset to, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {EntryColumns} FROM vbi_ledger_entry WHERE customer_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id COLLATE \"C\" LIMIT $4",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = customerId });
        command.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var entries = await ReadEntriesAsync(command, cancellationToken);
        var postings = await PostingsOfAsync(connection, transaction, [.. entries.Select(e => e.Id)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return [.. entries.Select(e => e with { Postings = postings.GetValueOrDefault(e.Id) ?? [] })];
    }

    public async Task<IReadOnlyList<LedgerEntry>> EntriesBetweenAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset? afterAt, string? afterId,
        int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        // Keyset paging on (at, id) (index vbi_ledger_entry_at, infra/sql/58-export-index.sql).
        await using var command = new NpgsqlCommand(
            $"SELECT {EntryColumns} FROM vbi_ledger_entry WHERE at >= $1 AND at < $2 " +
            "AND ($3::timestamptz IS NULL OR at > $3 OR (at = $3 AND id COLLATE \"C\" > $4)) ORDER BY at, id COLLATE \"C\" LIMIT $5",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)afterAt?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = afterId ?? "", NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var entries = await ReadEntriesAsync(command, cancellationToken);
        var postings = await PostingsOfAsync(connection, transaction, [.. entries.Select(e => e.Id)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return [.. entries.Select(e => e with { Postings = postings.GetValueOrDefault(e.Id) ?? [] })];
    }

    public async Task<LedgerEntry?> FindAsync(string entryId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {EntryColumns} FROM vbi_ledger_entry WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = entryId });
        if ((await ReadEntriesAsync(command, cancellationToken)) is not [var entry]) return null;
        // The postings were inserted in the entry's transaction: once the entry is visible, so are they.
        var postings = await PostingsOfAsync(connection, null, [entryId], cancellationToken);
        return entry with { Postings = postings.GetValueOrDefault(entryId) ?? [] };
    }

    private static async Task<List<LedgerEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<LedgerEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new LedgerEntry(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), []));
        }
        return entries;
    }

    public async Task<PostageFundsSnapshot> PostageFundsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        // One snapshot for both reads: a feed batch committing meanwhile is in both or in neither.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var balances = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
                         "SELECT account, sum(debit_mills)::bigint - sum(credit_mills)::bigint FROM vbi_ledger_posting " +
                         "WHERE account LIKE 'postage-funds-held:%' OR account LIKE 'refunds-payable:%' GROUP BY account", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) balances[reader.GetString(0)] = reader.GetInt64(1);
        }
        var meters = new List<LedgerMeterRegisters>();
        await using (var command = new NpgsqlCommand(
                         "SELECT meter_id, customer_id, sequence, dr_mills FROM vbi_ledger_meter ORDER BY meter_id COLLATE \"C\"", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                meters.Add(new LedgerMeterRegisters(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        await transaction.CommitAsync(cancellationToken);
        return new PostageFundsSnapshot(balances, meters);
    }

    // An account, or every customer's account of a kind ("postage-funds-held:*" matches "postage-funds-held:{c}").
    private const string AccountMatch = "(CASE WHEN $4 THEN starts_with(p.account, $1) ELSE p.account = $1 END)";

    public async Task<IReadOnlyList<AccountPosting>> PostingsOfAsync(string account, DateTimeOffset from, DateTimeOffset to, string? afterEntryId, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "SELECT e.id, e.kind, e.at, min(p.account COLLATE \"C\"), e.customer_id, e.meter_id, sum(p.debit_mills)::bigint, sum(p.credit_mills)::bigint " +
            $"FROM vbi_ledger_entry e JOIN vbi_ledger_posting p ON p.entry_id = e.id WHERE e.at >= $2 AND e.at < $3 AND {AccountMatch} " +
            "AND ($5::text IS NULL OR e.id > $5::text COLLATE \"C\") " +
            "GROUP BY e.id, e.kind, e.at, e.customer_id, e.meter_id ORDER BY e.id COLLATE \"C\" LIMIT $6");
        AddAccountParameters(command, account, from, to);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)afterEntryId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var postings = new List<AccountPosting>();
        while (await reader.ReadAsync(cancellationToken))
        {
            postings.Add(new AccountPosting(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6), reader.GetInt64(7)));
        }
        return postings;
    }

    public async Task<AccountMovement> MovementAsync(string account, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "SELECT e.kind, count(DISTINCT e.id)::bigint, sum(p.debit_mills)::bigint, sum(p.credit_mills)::bigint " +
            $"FROM vbi_ledger_entry e JOIN vbi_ledger_posting p ON p.entry_id = e.id WHERE e.at >= $2 AND e.at < $3 AND {AccountMatch} " +
            "GROUP BY e.kind ORDER BY e.kind COLLATE \"C\"");
        AddAccountParameters(command, account, from, to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var kinds = new List<KindMovement>();
        while (await reader.ReadAsync(cancellationToken)) kinds.Add(new KindMovement(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        return new AccountMovement(account, from, to, kinds);
    }

    private static void AddAccountParameters(NpgsqlCommand command, string account, DateTimeOffset from, DateTimeOffset to)
    {
        var pattern = AccountMovement.IsKindPattern(account);
        command.Parameters.Add(new NpgsqlParameter { Value = pattern ? account[..^1] : account });
        command.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = pattern });
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
