using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Grains.Telemetry;
using VbiOrleans.TransactionLog.Entries;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// The silo's writer of the transaction log (print path step 7). <see cref="AppendAsync"/> completes when the
/// record is durable in the <see cref="ILogStore"/>. Appends from all meters on the silo are grouped: while one
/// batch commits, the next gathers, so the log costs one commit per batch rather than one per transaction.
/// Records are encrypted with the log key (a data key wrapped by the module master key in the HSM). With a shard map
/// there is one of these per log (<see cref="TransactionLogs"/>): each its own store, key, origin and archive prefix.
/// </summary>
public sealed class TransactionLog : IAsyncDisposable
{
    /// <summary>The name under which the log store keeps the wrapped log key (and the archive a copy, for a lost module database).</summary>
    public const string KeyTokenState = "log-key-token";
    private const int MaxBatch = 512;

    private readonly ILogStore _store;
    private readonly ModuleCrypto _crypto;
    private readonly Serializer _serializer;
    private readonly ILogger<TransactionLog> _logger;
    private readonly Channel<(PendingLogRow Row, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(PendingLogRow, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private readonly Task _writer;
    private byte[]? _key;

    public TransactionLog(string name, string origin, LogArchiveLayout archive, ILogStore store, ModuleCrypto crypto, Serializer serializer,
        ILogger<TransactionLog> logger)
    {
        Name = name;
        Origin = origin;
        Archive = archive;
        _store = store;
        _crypto = crypto;
        _serializer = serializer;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The log's name: <see cref="TransactionLogs.HomeName"/>, or the module database's name in the shard map.</summary>
    public string Name { get; }

    /// <summary>The origin line of the log's checkpoints (C2SP): which log a checkpoint is a tree head of.</summary>
    public string Origin { get; }

    /// <summary>Where the log's segments, checkpoints and keys are in the archive.</summary>
    public LogArchiveLayout Archive { get; }

    public ILogStore Store => _store;

    /// <summary>Appends the record; when the task completes it is durable.</summary>
    public async Task AppendAsync(LogRecord record)
    {
        var row = ToRow(record, await KeyAsync());
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((row, done))) throw new InvalidOperationException("the transaction log is shut down");
        await done.Task;
        VbiTelemetry.LogAppended.Add(1);
    }

    /// <summary>A meter's records with a sequence above <paramref name="afterSequence"/>, oldest first.</summary>
    public Task<IReadOnlyList<LogRecord>> ReadMeterAsync(string meterId, long afterSequence) =>
        OpenAllAsync(() => _store.ReadMeterAsync(meterId, afterSequence));

    /// <summary>A meter's records with exactly this sequence, in arrival order.</summary>
    public Task<IReadOnlyList<LogRecord>> ReadMeterAtAsync(string meterId, long sequence) =>
        OpenAllAsync(() => _store.ReadMeterAtAsync(meterId, sequence));

    /// <summary>A meter's records of the print whose indicium (signed bytes, then signature) is exactly these bytes, in arrival order.</summary>
    public Task<IReadOnlyList<LogRecord>> FindIndiciumAsync(string meterId, byte[] indicium) =>
        OpenAllAsync(() => _store.FindPayloadAsync(meterId, indicium));

    /// <summary>The rows <paramref name="read"/> returns, decrypted (the key first: it may have to be made or unwrapped).</summary>
    private async Task<IReadOnlyList<LogRecord>> OpenAllAsync(Func<Task<IReadOnlyList<PendingLogRow>>> read)
    {
        var key = await KeyAsync();
        return [.. (await read()).Select(r => Open(r, key))];
    }

    /// <summary>Every record, oldest first (for rebuilding the postal store).</summary>
    public async IAsyncEnumerable<LogRecord> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var key = await KeyAsync();
        await foreach (var row in _store.ReadAllAsync(cancellationToken)) yield return Open(row, key);
    }

    /// <summary>The record inside a row, decrypted: its AAD binds it to the row's meter and sequence.</summary>
    public LogRecord Open(PendingLogRow row, byte[] key) => Deserialize(OpenBytes(row, key));

    /// <summary>
    /// The plaintext of a row's record, for the sealer to re-encrypt bound to the entry's index. A row imported from
    /// the archive, or sealed, holds the entry, whose sealed secret is the record bound to the entry's index and meter.
    /// </summary>
    public byte[] OpenBytes(PendingLogRow row, byte[] key)
    {
        if (row.EntryIndex is not { } index) return Decrypt(key, row.Record, Aad(row.MeterId, row.Sequence));
        var entry = LogEntry.Decode(row.Record);
        if (!entry.IsSuccess || entry.Value.Index != index || entry.Value.MeterId != row.MeterId || entry.Value.MeterSequence != row.Sequence)
            throw new CryptographicException($"the log entry {index} does not match its row (meter {row.MeterId}, sequence {row.Sequence})");
        var secret = entry.Value.OpenSecret(key);
        return secret.IsSuccess ? secret.Value : throw new CryptographicException($"the log entry {index} does not open under the log key: {secret.Error}");
    }

    /// <summary>The log key wrapped by the module master key, made first if need be (the sealer archives it).</summary>
    public async Task<byte[]> KeyTokenAsync()
    {
        await KeyAsync();
        return await _store.GetStateAsync(KeyTokenState) ?? throw new InvalidOperationException("the log key token vanished from the log store");
    }

    public LogRecord Deserialize(byte[] plaintext) =>
        _serializer.Deserialize<LogRecord>(plaintext) ?? throw new CryptographicException("a log record decrypted to nothing");

    /// <summary>The log key: made once for the whole log (the first silo to ask stores its wrapped token), then unwrapped by the HSM.</summary>
    public async Task<byte[]> KeyAsync()
    {
        if (_key is { } cached) return cached;
        await _keyLock.WaitAsync();
        try
        {
            if (_key is { } raced) return raced;
            var token = await _store.GetStateAsync(KeyTokenState);
            if (token is null)
            {
                var (_, fresh) = await _crypto.NewDataKeyAsync();
                token = await _store.SetStateAsync(KeyTokenState, fresh, onlyIfAbsent: true);
            }
            _key = (await _crypto.DataKeyAsync(token)).Key;
            return _key;
        }
        finally
        {
            _keyLock.Release();
        }
    }

    private PendingLogRow ToRow(LogRecord record, byte[] key)
    {
        var change = record.Change;
        var plaintext = _serializer.SerializeToArray(record);
        byte[] publicPayload = change.Indicium is { } indicium ? [.. indicium.Data, .. indicium.Signature] : change.RefundedIndicium ?? [];
        return new PendingLogRow(record.MeterId, record.Sequence, (byte)record.Kind, record.AmountMills,
            change.Registers?.AscendingMills ?? 0, change.Registers?.DescendingMills ?? 0, record.At, record.ModuleSerial, publicPayload,
            Encrypt(key, plaintext, Aad(record.MeterId, record.Sequence)));
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(PendingLogRow Row, TaskCompletionSource Done)>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
            try
            {
                await _store.AppendAsync([.. batch.Select(b => b.Row)]);
                foreach (var (_, done) in batch) done.TrySetResult();
            }
            catch (Exception e)
            {
                _logger.LogError("Appending {Count} records to the transaction log {Log} in {Store} failed: {Error}", batch.Count, Name, _store.Description, e.Message);
                foreach (var (_, done) in batch) done.TrySetException(e);
            }
        }
    }

    private static byte[] Aad(string meterId, long sequence) => Encoding.UTF8.GetBytes($"vbi-log-record|{meterId}|{sequence}");

    private static byte[] Encrypt(byte[] key, byte[] plaintext, byte[] aad)
    {
        var output = new byte[12 + plaintext.Length + 16];
        VbiOrleans.Domain.Crypto.RandomNonces.Fill(output.AsSpan(0, 12));
        VbiOrleans.TransactionLog.Entries.ThreadAesGcm.For(key).Encrypt(output.AsSpan(0, 12), plaintext, output.AsSpan(12, plaintext.Length), output.AsSpan(12 + plaintext.Length), aad);
        return output;
    }

    private static byte[] Decrypt(byte[] key, byte[] sealedBytes, byte[] aad)
    {
        if (sealedBytes.Length < 28) throw new CryptographicException("a log record is too short to be sealed");
        var plaintext = new byte[sealedBytes.Length - 28];
        VbiOrleans.TransactionLog.Entries.ThreadAesGcm.For(key).Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, plaintext.Length), sealedBytes.AsSpan(12 + plaintext.Length), plaintext, aad);
        return plaintext;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        _keyLock.Dispose();
    }
}
