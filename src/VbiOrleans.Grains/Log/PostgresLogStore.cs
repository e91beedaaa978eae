using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// The log in PostgreSQL (infra/sql/40-transaction-log.sql), in the module store's database. An append is one
/// transaction for a whole batch (the writer groups concurrent appends), so its commit is the durability point.
/// Rows are never updated: the sealer adds each one's leaf to <c>vbi_log_entry</c> and moves the sealed-through mark.
/// </summary>
/// <remarks>
/// The mark is safe because the sealer reads the largest id under <c>LOCK TABLE vbi_log IN SHARE MODE</c>, which
/// waits for every transaction that is inserting rows (they hold ROW EXCLUSIVE) and holds new ones back until it
/// commits: at that moment every id up to the largest is committed or never will be (identity values are handed out
/// in order), and rows appended later have larger ids. Appends pay nothing for it.
/// </remarks>
public sealed class PostgresLogStore(string connectionString) : ILogStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public string Description { get; } = Describe(connectionString);

    private static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{b.Host}:{b.Port}/{b.Database}";
    }

    private const string Columns = "meter_id, meter_sequence, kind, amount_mills, ar_mills, dr_mills, at, module_serial, public_payload, record";

    /// <summary>
    /// <see cref="Columns"/> as read back: a row imported from the archive (or sealed in place by an earlier version)
    /// has an empty record, and is read as its encoded entry and leaf index (<see cref="PendingLogRow.EntryIndex"/>).
    /// </summary>
    private const string ReadColumns = "meter_id, meter_sequence, kind, amount_mills, ar_mills, dr_mills, at, module_serial, public_payload, " +
        "CASE WHEN octet_length(record) = 0 THEN entry ELSE record END, CASE WHEN octet_length(record) = 0 THEN leaf_index END";

    public const string SealedThroughState = "sealed-through";

    public async Task AppendAsync(IReadOnlyList<PendingLogRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0) return;
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var writer = await connection.BeginBinaryImportAsync($"COPY vbi_log ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(cancellationToken);
            await WriteColumnsAsync(writer, row, cancellationToken);
        }
        // COPY commits as one statement: every row of the batch is durable when this returns, or none is.
        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>The <see cref="Columns"/> of one row, in order, to a binary COPY.</summary>
    private static async Task WriteColumnsAsync(NpgsqlBinaryImporter writer, PendingLogRow r, CancellationToken cancellationToken)
    {
        await writer.WriteAsync(r.MeterId, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(r.Sequence, NpgsqlDbType.Bigint, cancellationToken);
        await writer.WriteAsync((short)r.Kind, NpgsqlDbType.Smallint, cancellationToken);
        await writer.WriteAsync(r.AmountMills, NpgsqlDbType.Bigint, cancellationToken);
        await writer.WriteAsync(r.AscendingMills, NpgsqlDbType.Bigint, cancellationToken);
        await writer.WriteAsync(r.DescendingMills, NpgsqlDbType.Bigint, cancellationToken);
        await writer.WriteAsync(r.At.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
        await writer.WriteAsync(r.ModuleSerial, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(r.PublicPayload, NpgsqlDbType.Bytea, cancellationToken);
        await writer.WriteAsync(r.Record, NpgsqlDbType.Bytea, cancellationToken);
    }

    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAsync(string meterId, long afterSequence, CancellationToken cancellationToken = default) =>
        ReadRowsAsync($"SELECT {ReadColumns} FROM vbi_log WHERE meter_id = $1 AND meter_sequence > $2 ORDER BY id", meterId, afterSequence, cancellationToken);

    public Task<IReadOnlyList<PendingLogRow>> ReadMeterAtAsync(string meterId, long sequence, CancellationToken cancellationToken = default) =>
        ReadRowsAsync($"SELECT {ReadColumns} FROM vbi_log WHERE meter_id = $1 AND meter_sequence = $2 ORDER BY id", meterId, sequence, cancellationToken);

    /// <remarks>The hash index <c>vbi_log_indicium</c> finds the payload; the meter is checked on the rows it finds.</remarks>
    public Task<IReadOnlyList<PendingLogRow>> FindPayloadAsync(string meterId, byte[] publicPayload, CancellationToken cancellationToken = default) =>
        publicPayload.Length == 0
            ? Task.FromResult<IReadOnlyList<PendingLogRow>>([])
            : ReadRowsAsync($"SELECT {ReadColumns} FROM vbi_log WHERE meter_id = $1 AND public_payload = $2 AND octet_length(public_payload) > 0 ORDER BY id",
                meterId, publicPayload, cancellationToken);

    private async Task<IReadOnlyList<PendingLogRow>> ReadRowsAsync<T>(string sql, string meterId, T second, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = meterId });
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = second });
        var rows = new List<PendingLogRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(ReadRow(reader, 0));
        return rows;
    }

    public async IAsyncEnumerable<PendingLogRow> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand($"SELECT {ReadColumns} FROM vbi_log ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return ReadRow(reader, 0);
    }

    public async Task<IReadOnlyList<string>> MetersAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "SELECT DISTINCT meter_id COLLATE \"C\" AS m FROM vbi_log WHERE $1::text IS NULL OR meter_id COLLATE \"C\" > $1 ORDER BY m LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var meters = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) meters.Add(reader.GetString(0));
        return meters;
    }

    public async Task<IReadOnlyList<UnsealedLogRow>> TakeUnsealedAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        var sealedThrough = await SealedThroughAsync(connection, null, forUpdate: false, cancellationToken);
        long committed;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var share = new NpgsqlCommand("LOCK TABLE vbi_log IN SHARE MODE", connection, transaction))
                await share.ExecuteNonQueryAsync(cancellationToken);
            await using (var largest = new NpgsqlCommand("SELECT COALESCE(max(id), 0) FROM vbi_log", connection, transaction))
                committed = (long)(await largest.ExecuteScalarAsync(cancellationToken))!;
            await transaction.CommitAsync(cancellationToken);
        }
        if (committed <= sealedThrough) return [];

        // Rows sealed in place before vbi_log_entry (and imported rows) have a leaf index of their own.
        await using var command = new NpgsqlCommand(
            $"SELECT id, {ReadColumns} FROM vbi_log WHERE id > $1 AND id <= $2 AND leaf_index IS NULL ORDER BY id LIMIT $3", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sealedThrough });
        command.Parameters.Add(new NpgsqlParameter { Value = committed });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var rows = new List<UnsealedLogRow>();
        await using var rowReader = await command.ExecuteReaderAsync(cancellationToken);
        while (await rowReader.ReadAsync(cancellationToken)) rows.Add(new UnsealedLogRow(rowReader.GetInt64(0), ReadRow(rowReader, 1)));
        return rows;
    }

    /// <summary>The sealed-through mark (0 for a log that has none yet).</summary>
    private static async Task<long> SealedThroughAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT value FROM vbi_log_state WHERE name = $1" + (forUpdate ? " FOR UPDATE" : ""), connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = SealedThroughState });
        return await command.ExecuteScalarAsync(cancellationToken) is byte[] { Length: 8 } value ? BinaryPrimitives.ReadInt64BigEndian(value) : 0;
    }

    private static NpgsqlBatchCommand SetSealedThrough(long id)
    {
        var value = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(value, id);
        return SetState(SealedThroughState, value);
    }

    /// <summary>The statement that sets a named value in a seal's or an import's transaction.</summary>
    private static NpgsqlBatchCommand SetState(string name, byte[] value)
    {
        var upsert = new NpgsqlBatchCommand("INSERT INTO vbi_log_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value");
        upsert.Parameters.Add(new NpgsqlParameter { Value = name });
        upsert.Parameters.Add(new NpgsqlParameter { Value = value });
        return upsert;
    }

    public async Task SealAsync(IReadOnlyList<SealedLogRow> rows, StoredCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Only rows after the mark: a second sealer (a duplicate activation in a failover) waits here, then fails.
        var sealedThrough = await SealedThroughAsync(connection, transaction, forUpdate: true, cancellationToken);
        if (rows.Count > 0 && rows.Min(r => r.Id) <= sealedThrough)
            throw new InvalidOperationException($"log rows up to id {sealedThrough} are sealed already: another sealer ran");
        if (rows.Count > 0)
        {
            await using var writer = await connection.BeginBinaryImportAsync("COPY vbi_log_entry (leaf_index, log_id, entry, leaf_hash) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var row in rows)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(row.LeafIndex, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(row.Id, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(row.Entry, NpgsqlDbType.Bytea, cancellationToken);
                await writer.WriteAsync(row.LeafHash, NpgsqlDbType.Bytea, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            // The rows were taken in id order up to a committed id: every row before the last one taken is sealed now.
            if (rows.Count > 0) batch.BatchCommands.Add(SetSealedThrough(rows.Max(r => r.Id)));
            batch.BatchCommands.Add(InsertCheckpoint(checkpoint));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The statement that stores a signed checkpoint with its accumulator, for a seal and for an import alike.</summary>
    private static NpgsqlBatchCommand InsertCheckpoint(StoredCheckpoint checkpoint)
    {
        var insert = new NpgsqlBatchCommand("INSERT INTO vbi_log_checkpoint (size, root, note, accumulator) VALUES ($1, $2, $3, $4)");
        insert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.Size });
        insert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.Root });
        insert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.Note });
        insert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.Accumulator });
        return insert;
    }

    public async Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken = default) =>
        await ReadCheckpointAsync("SELECT size, root, note, accumulator FROM vbi_log_checkpoint ORDER BY size DESC LIMIT 1", null, cancellationToken);

    public async Task<StoredCheckpoint?> CheckpointAsync(long size, CancellationToken cancellationToken = default) =>
        await ReadCheckpointAsync("SELECT size, root, note, accumulator FROM vbi_log_checkpoint WHERE size = $1", size, cancellationToken);

    private async Task<StoredCheckpoint?> ReadCheckpointAsync(string sql, long? size, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand(sql);
        if (size is { } s) command.Parameters.Add(new NpgsqlParameter { Value = s });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new StoredCheckpoint(reader.GetInt64(0), (byte[])reader[1], reader.GetString(2), (byte[])reader[3]);
    }

    public async Task<IReadOnlyList<byte[]>> SealedEntriesAsync(long start, long end, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT entry FROM vbi_log_entry WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index");
        command.Parameters.Add(new NpgsqlParameter { Value = start });
        command.Parameters.Add(new NpgsqlParameter { Value = end });
        var entries = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) entries.Add((byte[])reader[0]);
        return entries;
    }

    public async Task<IReadOnlyList<byte[]>> LeafHashesFromAsync(long start, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT leaf_hash FROM vbi_log_entry WHERE leaf_index >= $1 ORDER BY leaf_index");
        command.Parameters.Add(new NpgsqlParameter { Value = start });
        var hashes = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) hashes.Add((byte[])reader[0]);
        return hashes;
    }

    /// <summary>How many records and checkpoints the log holds: (0, 0) for the log of a new (or lost) module database.</summary>
    public async Task<(long Records, long Checkpoints)> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT (SELECT count(*) FROM vbi_log), (SELECT count(*) FROM vbi_log_checkpoint)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Puts an archived log into this (empty) log store, in one transaction: every entry as a sealed row (its record
    /// read later from the entry's sealed secret), every signed checkpoint with the Merkle accumulator at its size, the
    /// wrapped log key, and the archive's extent as shipped. Refuses a log store that holds anything.
    /// </summary>
    public async Task ImportAsync(ArchivedLog archived, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockTables = new NpgsqlCommand("LOCK TABLE vbi_log, vbi_log_entry, vbi_log_checkpoint IN EXCLUSIVE MODE", connection, transaction))
            await lockTables.ExecuteNonQueryAsync(cancellationToken);
        await using (var count = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM vbi_log) + (SELECT count(*) FROM vbi_log_entry) + (SELECT count(*) FROM vbi_log_checkpoint)", connection, transaction))
        {
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! != 0)
                throw new InvalidOperationException($"the log in {Description} is not empty: hosts ran on this module database after the loss. " +
                    "Stop them, drop and re-create the database (VbiOrleans.Host init-db), and restore again");
        }
        await using (var writer = await connection.BeginBinaryImportAsync(
            $"COPY vbi_log ({Columns}, leaf_index, entry, leaf_hash) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var e in archived.Entries)
            {
                var entry = e.Entry;
                // The record stays inside the entry (its sealed secret), as for a row the sealer sealed.
                var row = new PendingLogRow(entry.MeterId, entry.MeterSequence, (byte)entry.Kind, entry.AmountMills, entry.AscendingAfterMills,
                    entry.DescendingAfterMills, entry.Time, entry.ModuleSerial, entry.PublicPayload, []);
                await writer.StartRowAsync(cancellationToken);
                await WriteColumnsAsync(writer, row, cancellationToken);
                await writer.WriteAsync(entry.Index, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(e.Bytes, NpgsqlDbType.Bytea, cancellationToken);
                await writer.WriteAsync(e.LeafHash, NpgsqlDbType.Bytea, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            // The imported rows keep their entries (their records are inside), and the tree's leaves list them too.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO vbi_log_entry (leaf_index, log_id, entry, leaf_hash) SELECT leaf_index, id, entry, leaf_hash FROM vbi_log"));
            var last = new NpgsqlBatchCommand(
                "INSERT INTO vbi_log_state (name, value) SELECT $1, int8send(COALESCE(max(id), 0)) FROM vbi_log ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value");
            last.Parameters.Add(new NpgsqlParameter { Value = SealedThroughState });
            batch.BatchCommands.Add(last);
            foreach (var c in archived.Checkpoints) batch.BatchCommands.Add(InsertCheckpoint(c));
            batch.BatchCommands.Add(SetState(TransactionLog.KeyTokenState,
                archived.KeyToken ?? throw new InvalidOperationException("the archive holds no wrapped log key: nothing to import it with")));
            batch.BatchCommands.Add(SetState(LogSealerGrain.ShippedState, LogSealerGrain.EncodeShipped(archived.ShippedSize)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> UnsealedCountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        var sealedThrough = await SealedThroughAsync(connection, null, forUpdate: false, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM vbi_log WHERE id > $1 AND leaf_index IS NULL", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sealedThrough });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <remarks>
    /// Ids are drawn when a row is inserted and become visible when its append commits, so a row can appear after a
    /// row with a larger id was read. Rows are taken in id order while each id follows the one before; at a gap (an
    /// append in flight, or ids an append that rolled back or a crash used up) the answer stops, unless the gap lies
    /// at or below the sealed-through mark: the sealer set that mark under a lock that waited for every append in
    /// flight, so an id missing below it will never appear. The mark is read first, in the same statement (one
    /// snapshot), so every row it vouches for is visible to the read.
    /// </remarks>
    public async Task<IReadOnlyList<CommittedLogRow>> ReadCommittedAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            $"SELECT (SELECT value FROM vbi_log_state WHERE name = $1), id, {ReadColumns} FROM vbi_log WHERE id > $2 ORDER BY id LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = SealedThroughState });
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var rows = new List<CommittedLogRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var expected = after + 1;
        while (await reader.ReadAsync(cancellationToken))
        {
            var sealedThrough = reader.IsDBNull(0) ? 0 : BinaryPrimitives.ReadInt64BigEndian((byte[])reader[0]);
            var id = reader.GetInt64(1);
            if (id != expected && id - 1 > sealedThrough) break; // ids in [expected, id) may still commit
            rows.Add(new CommittedLogRow(id, ReadRow(reader, 2)));
            expected = id + 1;
        }
        return rows;
    }

    public async Task<IReadOnlyList<CommittedLogRow>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset to, long after, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            $"SELECT id, {ReadColumns} FROM vbi_log WHERE at >= $1 AND at < $2 AND id > $3 ORDER BY id LIMIT $4");
        command.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadCommittedRowsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<CommittedLogRow>> LatestBeforeAsync(DateTimeOffset before, string? afterMeter, int limit, IReadOnlyCollection<byte> skipKinds,
        CancellationToken cancellationToken = default)
    {
        // A page of meters, then each one's newest qualifying row through the (meter_id, meter_sequence) index, read
        // backwards: the cost is per meter, not per row of the log.
        await using var command = _source.CreateCommand(
            $"SELECT l.* FROM (SELECT DISTINCT meter_id COLLATE \"C\" AS m FROM vbi_log " +
            "WHERE at < $1 AND NOT (kind = ANY($3)) AND ($2::text IS NULL OR meter_id COLLATE \"C\" > $2) ORDER BY m LIMIT $4) meters " +
            $"CROSS JOIN LATERAL (SELECT id, {ReadColumns} FROM vbi_log WHERE meter_id = meters.m AND at < $1 AND NOT (kind = ANY($3)) " +
            "ORDER BY meter_sequence DESC, id DESC LIMIT 1) l ORDER BY meters.m");
        command.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)afterMeter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = skipKinds.Select(k => (short)k).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadCommittedRowsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<CommittedLogRow>> ReadCommittedRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<CommittedLogRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(new CommittedLogRow(reader.GetInt64(0), ReadRow(reader, 1)));
        return rows;
    }

    public async Task<long> HeadAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT COALESCE(max(id), 0) FROM vbi_log");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> FeedPositionAsync(string consumer, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT position FROM vbi_log_feed WHERE consumer = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        return await command.ExecuteScalarAsync(cancellationToken) is long position ? position : 0;
    }

    public async Task SetFeedPositionAsync(string consumer, long position, bool rewind = false, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "INSERT INTO vbi_log_feed (consumer, position) VALUES ($1, $2) ON CONFLICT (consumer) DO UPDATE SET position = " +
            (rewind ? "EXCLUDED.position" : "GREATEST(vbi_log_feed.position, EXCLUDED.position)") + ", updated_at = now()");
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        command.Parameters.Add(new NpgsqlParameter { Value = position });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<byte[]?> GetStateAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT value FROM vbi_log_state WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task<byte[]> SetStateAsync(string name, byte[] value, bool onlyIfAbsent = false, CancellationToken cancellationToken = default)
    {
        var sql = onlyIfAbsent
            ? "INSERT INTO vbi_log_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING value"
            : "INSERT INTO vbi_log_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value RETURNING value";
        await using var command = _source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = value });
        return (byte[])(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static PendingLogRow ReadRow(NpgsqlDataReader r, int at) => new(
        r.GetString(at), r.GetInt64(at + 1), (byte)r.GetInt16(at + 2), r.GetInt64(at + 3), r.GetInt64(at + 4), r.GetInt64(at + 5),
        new DateTimeOffset(r.GetDateTime(at + 6), TimeSpan.Zero), r.GetString(at + 7), (byte[])r[at + 8], (byte[])r[at + 9],
        r.IsDBNull(at + 10) ? null : r.GetInt64(at + 10));

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
