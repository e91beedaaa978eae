using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Host.Hosting;

/// <summary>
/// Group commit in front of Orleans' ADO.NET grain storage. Reads and clears go to Orleans' provider. Writes of
/// string-keyed grains (meters, module memory, sessions: every grain on the print path) queue here, and a writer
/// commits everything queued in one transaction: one round trip and one commit for many grains instead of one each.
/// </summary>
/// <remarks>
/// <para>
/// A write is the provider's own: the <c>WriteToStorageKey</c> statement from <c>OrleansQuery</c>, the row's key
/// hashed by the provider's hasher, the state serialized by the provider's serializer. So the rows are the rows
/// Orleans' provider reads and writes, byte for byte, and each write keeps its own version check: a stale ETag fails
/// that grain's write with <see cref="InconsistentStateException"/> and no other.
/// </para>
/// <para>
/// A write is acknowledged only after its batch has committed (PostgreSQL's ReadyForQuery after the batch's Sync),
/// so durability is what it was. A batch that fails in PostgreSQL rolls back as a whole (the statements of one batch
/// run in one implicit transaction); its writes are then run one by one, so a write that PostgreSQL refuses fails
/// alone. Rows are written in the order of their index key, so two silos' batches never wait on each other in a cycle.
/// </para>
/// </remarks>
public sealed partial class GroupCommitGrainStorage : IGrainStorage, IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly string _name;
    private readonly string _serviceId;
    private readonly AdoNetGrainStorage _inner;
    private readonly NpgsqlDataSource _source;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _writers;
    private WriteStatement? _statement;

    /// <param name="name">The store's name (for messages and telemetry).</param>
    /// <param name="inner">
    /// Orleans' ADO.NET provider of the same database: reads and clears, writes of other keys, and the write statement,
    /// hasher and serializer of every write.
    /// </param>
    /// <param name="writers">Batches in flight at once.</param>
    public GroupCommitGrainStorage(string name, string serviceId, AdoNetGrainStorage inner, string connectionString, ILogger logger, int writers = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _name = name;
        _serviceId = serviceId;
        _inner = inner;
        _source = NpgsqlDataSource.Create(connectionString);
        _logger = logger;
        _writers = [.. Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync))];
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ReadStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // Integer and Guid keys, and generic state type names, are keyed by the provider in ways of its own: they
        // are rare and off the print path, so the provider writes them itself.
        if (grainId.TryGetGuidKey(out _, out _) || grainId.TryGetIntegerKey(out _, out _) || stateName.Contains('`', StringComparison.Ordinal))
        {
            await _inner.WriteStateAsync(stateName, grainId, grainState);
            return;
        }

        var key = grainId.Key.ToString()!;
        var hasher = _inner.HashPicker.PickHasher(_serviceId, _name, stateName, grainId, grainState)
            ?? throw new InvalidOperationException($"the '{_name}' store has no hasher for {stateName}");
        int? expected = string.IsNullOrWhiteSpace(grainState.ETag) ? null : int.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        var write = new PendingWrite(
            hasher.Hash(KeyHashBytes(key)), hasher.Hash(Encoding.UTF8.GetBytes(stateName)), stateName, key, expected,
            _inner.Serializer.Serialize(grainState.State).ToArray());
        if (!_queue.Writer.TryWrite(write)) throw new ObjectDisposedException(nameof(GroupCommitGrainStorage), $"the '{_name}' store is shut down");

        var stored = await write.Done.Task;
        // The provider's rule: the same version back (or none) means no row was updated or inserted.
        if (stored is null || stored == expected)
        {
            throw new InconsistentStateException(
                $"Version conflict (WriteState): ServiceId={_serviceId} ProviderName={_name} GrainType={stateName} GrainId={key} ETag={grainState.ETag}.");
        }
        grainState.ETag = stored.Value.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <summary>
    /// The bytes the provider hashes for a string key: its UTF-8 bytes, reversed on a little-endian machine (so the
    /// hash, and the row's <c>GrainIdHash</c>, are the provider's).
    /// </summary>
    internal static byte[] KeyHashBytes(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        if (BitConverter.IsLittleEndian) Array.Reverse(bytes);
        return bytes;
    }

    internal sealed record PendingWrite(int GrainIdHash, int GrainTypeHash, string StateName, string Key, int? Expected, byte[] Payload)
    {
        public TaskCompletionSource<int?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write)) batch.Add(write);
            if (batch.Count == 0) continue;
            // Index order, so concurrent batches (this silo's other writer, other silos) lock rows in one order.
            batch.Sort(static (a, b) =>
            {
                var c = a.GrainIdHash.CompareTo(b.GrainIdHash);
                if (c == 0) c = a.GrainTypeHash.CompareTo(b.GrainTypeHash);
                if (c == 0) c = string.CompareOrdinal(a.StateName, b.StateName);
                return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
            });
            VbiTelemetry.GrainStateBatchSize.Record(batch.Count, new KeyValuePair<string, object?>("store", _name));
            try
            {
                var versions = await CommitAsync(batch);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(versions[i]);
            }
            catch (PostgresException e) when (batch.Count > 1)
            {
                // The whole batch rolled back: find the write PostgreSQL refuses by running each alone.
                LogBatchRefused(batch.Count, _name, e.SqlState, e.MessageText);
                foreach (var write in batch) await CommitAloneAsync(write);
            }
            catch (Exception e)
            {
                LogBatchFailed(batch.Count, _name, e.Message);
                foreach (var write in batch) write.Done.TrySetException(e);
            }
        }
    }

    private async Task CommitAloneAsync(PendingWrite write)
    {
        try
        {
            write.Done.TrySetResult((await CommitAsync([write]))[0]);
        }
        catch (Exception e)
        {
            write.Done.TrySetException(e);
        }
    }

    /// <summary>The writes in one transaction; each one's new version (null where its version check failed).</summary>
    private async Task<int?[]> CommitAsync(IReadOnlyList<PendingWrite> writes)
    {
        var statement = Statement();
        var versions = new int?[writes.Count];
        await using var connection = await _source.OpenConnectionAsync();
        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var write in writes) batch.BatchCommands.Add(statement.Command(write, _serviceId));
            await using var reader = await batch.ExecuteReaderAsync();
            for (var i = 0; i < writes.Count; i++)
            {
                if (i > 0 && !await reader.NextResultAsync()) throw new InvalidOperationException($"the '{_name}' store's write statement returned no result for write {i + 1} of {writes.Count}");
                if (!await reader.ReadAsync()) throw new InvalidOperationException($"the '{_name}' store's write statement returned no row");
                versions[i] = await reader.IsDBNullAsync(0) ? null : reader.GetInt32(0);
            }
            // Disposing the reader reads up to ReadyForQuery: the batch's implicit transaction has committed (or the
            // disposal throws, and no write of the batch is acknowledged).
        }
        return versions;
    }

    /// <summary>
    /// The provider's write statement as it loaded it from <c>OrleansQuery</c> at start-up, made positional once (and
    /// again if the provider's queries are replaced).
    /// </summary>
    private WriteStatement Statement()
    {
        var text = _inner.CurrentOperationalQueries?.WriteToStorage
            ?? throw new InvalidOperationException($"the '{_name}' store's ADO.NET provider has not loaded its queries yet");
        if (_statement is { } ready && ReferenceEquals(ready.Text, text)) return ready;
        return _statement = WriteStatement.From(text);
    }

    /// <summary>
    /// The provider's write statement with its named parameters (<c>@GrainIdHash</c>) turned into positional ones
    /// (<c>$1</c>), once: Npgsql then sends it as it is rather than parsing it again for every write.
    /// </summary>
    internal sealed partial class WriteStatement
    {
        private static readonly string[] Known =
            ["GrainIdHash", "GrainIdN0", "GrainIdN1", "GrainTypeHash", "GrainTypeString", "GrainIdExtensionString", "ServiceId", "GrainStateVersion", "PayloadBinary"];

        private readonly string _sql;
        private readonly string[] _order;

        private WriteStatement(string text, string sql, string[] order)
        {
            Text = text;
            _sql = sql;
            _order = order;
        }

        /// <summary>The provider's text this was made from.</summary>
        public string Text { get; }

        public static WriteStatement From(string text)
        {
            var order = new List<string>();
            var sql = Parameter().Replace(text, m =>
            {
                var name = m.Groups[1].Value;
                if (!Known.Contains(name, StringComparer.Ordinal)) throw new InvalidOperationException($"the WriteToStorageKey query has an unknown parameter @{name}");
                var index = order.IndexOf(name);
                if (index < 0)
                {
                    order.Add(name);
                    index = order.Count - 1;
                }
                return "$" + (index + 1).ToString(CultureInfo.InvariantCulture);
            });
            return new WriteStatement(text, sql, [.. order]);
        }

        public NpgsqlBatchCommand Command(PendingWrite write, string serviceId)
        {
            var command = new NpgsqlBatchCommand(_sql);
            foreach (var name in _order)
            {
                command.Parameters.Add(name switch
                {
                    "GrainIdHash" => new NpgsqlParameter<int> { TypedValue = write.GrainIdHash },
                    "GrainIdN0" or "GrainIdN1" => new NpgsqlParameter<long> { TypedValue = 0 },
                    "GrainTypeHash" => new NpgsqlParameter<int> { TypedValue = write.GrainTypeHash },
                    "GrainTypeString" => new NpgsqlParameter<string> { TypedValue = write.StateName },
                    "GrainIdExtensionString" => new NpgsqlParameter<string> { TypedValue = write.Key },
                    "ServiceId" => new NpgsqlParameter<string> { TypedValue = serviceId },
                    "GrainStateVersion" => write.Expected is { } v
                        ? new NpgsqlParameter<int> { TypedValue = v }
                        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
                    "PayloadBinary" => new NpgsqlParameter<byte[]> { TypedValue = write.Payload },
                    _ => throw new UnreachableException(),
                });
            }
            return command;
        }

        [GeneratedRegex(@"@([A-Za-z_][A-Za-z0-9_]*)")]
        private static partial Regex Parameter();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} grain-state writes to the '{Store}' store was refused ({SqlState}: {Error}); writing them one by one")]
    private partial void LogBatchRefused(int count, string store, string sqlState, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Count} grain-state writes to the '{Store}' store failed: {Error}")]
    private partial void LogBatchFailed(int count, string store, string error);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
        await _source.DisposeAsync();
    }
}
