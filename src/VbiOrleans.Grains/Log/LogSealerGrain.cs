using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Grains.Telemetry;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Segments;
using LogCheckpoint = VbiOrleans.TransactionLog.Notes.Checkpoint;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// Seals one transaction log (key: its name, <see cref="TransactionLogs"/>) and ships it to its place in the archive
/// (docs/transaction-log.md). One activation per log in the cluster: a timer seals
/// every <see cref="LogOptions.SealInterval"/> and ships every <see cref="LogOptions.ShipInterval"/> or
/// <see cref="LogOptions.ShipEntries"/>; a reminder brings it back on another silo if its silo dies. When the archive
/// is unreachable nothing is dropped: the entries stay in the log store and the next attempt ships them.
/// </summary>
public sealed class LogSealerGrain(
    TransactionLogs logs,
    ModuleCrypto crypto,
    IArchiveStore archive,
    IOptions<LogOptions> options,
    TimeProvider clock,
    ILogger<LogSealerGrain> logger) : Grain, ILogSealerGrain, IRemindable
{
    public const string SegmentsPrefix = "log/segments/";
    public const string CheckpointsPrefix = "log/checkpoints/";
    public const string VerifierKeyName = "log/verifier-key.txt";
    /// <summary>The log key wrapped by the module master key: only the module's HSM can open it. With it, the archive
    /// alone can refill the log store of a lost module database (<see cref="ArchivedLog"/>).</summary>
    public const string KeyTokenName = "log/log-key.token";
    public const string ShippedState = "shipped-size";
    private const int SealBatch = 5_000;

    private MerkleAccumulator? _tree;
    private HsmNoteSigner? _signer;
    private DateTimeOffset? _lastShippedAt;
    private string? _lastShipError;
    private bool _busy;
    private bool _adopted;

    private TransactionLog? _log;

    private LogOptions Options => options.Value;
    /// <summary>This sealer's log; a name no log of this silo has (a map since changed) is refused at activation.</summary>
    private TransactionLog log => _log ?? throw new InvalidOperationException($"this silo has no transaction log named '{this.GetPrimaryKeyString()}'");
    private ILogStore Store => log.Store;
    private LogArchiveLayout Layout => log.Archive;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _log = logs.Named(this.GetPrimaryKeyString());
        if (_log is null)
        {
            logger.LogWarning("No transaction log is named {Log}: its sealer does not run", this.GetPrimaryKeyString());
            return;
        }
        var identity = await crypto.IdentityKeyAsync();
        // Every log's checkpoints are signed under the one key name, so one verifier key checks them all; the origin line names the log.
        _signer = new HsmNoteSigner(crypto.Hsm, identity, Options.Origin);
        var latest = await Store.LatestCheckpointAsync(cancellationToken);
        _tree = latest is null ? new MerkleAccumulator() : DecodeAccumulator(latest.Size, latest.Accumulator);
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(Options.SealInterval, Options.SealInterval) { KeepAlive = true });
        await this.RegisterOrUpdateReminder("keep-sealing", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation is the point

    public async Task<LogStatus> Seal()
    {
        await SealAllAsync();
        return await Status();
    }

    public async Task<LogStatus> Ship()
    {
        await SealAllAsync();
        await ShipAsync(force: true);
        return await Status();
    }

    public async Task<LogStatus> Status()
    {
        var latest = await Store.LatestCheckpointAsync();
        var unsealed = await Store.UnsealedCountAsync();
        var shipped = await ShippedAsync();
        var status = new LogStatus(_tree!.Size, unsealed, shipped, latest?.Note, _signer!.Verifier.VerifierKey, _lastShippedAt, _lastShipError, log.Name);
        VbiTelemetry.ReportArchiveLag(log.Name, status.ArchiveLag);
        return status;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_busy) return;
        _busy = true;
        try
        {
            await SealAllAsync();
            await ShipAsync(force: false);
            await Status(); // reports the archive lag
        }
        catch (Exception e)
        {
            logger.LogError("Sealing the transaction log {Log} failed; the next tick retries: {Error}", log.Name, e.Message);
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>Takes every appended record into the tree: leaf indices in arrival order, one signed checkpoint per batch.</summary>
    private async Task SealAllAsync()
    {
        var key = await log.KeyAsync();
        if (!_adopted) await AdoptImportedAsync();
        while (true)
        {
            var rows = await Store.TakeUnsealedAsync(SealBatch);
            if (rows.Count == 0) return;
            var tree = _tree!.Clone();
            var sealedRows = new List<SealedLogRow>(rows.Count);
            var nonce = new byte[EntryCipher.NonceSize];
            foreach (var (id, row) in rows)
            {
                var index = tree.Size;
                // From the buffered generator the print path's nonces come from, not one call to OpenSSL per entry.
                VbiOrleans.Domain.Crypto.RandomNonces.Fill(nonce);
                var secret = EntryCipher.Seal(key, index, row.MeterId, log.OpenBytes(row, key), nonce);
                var entry = new LogEntry(index, row.MeterId, row.Sequence, (LogTransactionKind)row.Kind, row.AmountMills, row.AscendingMills,
                    row.DescendingMills, row.At.ToUnixTimeMilliseconds(), row.ModuleSerial, row.PublicPayload, secret).Encode();
                var leaf = MerkleTree.LeafHash(entry);
                tree.Append(leaf);
                sealedRows.Add(new SealedLogRow(id, index, entry, leaf));
            }
            var root = tree.RootHash();
            var note = await new LogCheckpoint(log.Origin, tree.Size, root).SignAsync(_signer!);
            await Store.SealAsync(sealedRows, new StoredCheckpoint(tree.Size, root, note.Encode(), EncodeAccumulator(tree)));
            _tree = tree;
        }
    }

    /// <summary>
    /// Entries imported from the archive (a lost module database refilled by <c>vbi-admin restore-snapshot --module</c>)
    /// may run on past the last archived checkpoint, when a ship was cut off before writing it. They are sealed rows
    /// already: take them into the tree and sign a checkpoint over them before anything new is sealed after them.
    /// </summary>
    private async Task AdoptImportedAsync()
    {
        var hashes = await Store.LeafHashesFromAsync(_tree!.Size);
        if (hashes.Count > 0)
        {
            var tree = _tree.Clone();
            foreach (var hash in hashes) tree.Append(hash);
            var root = tree.RootHash();
            var note = await new LogCheckpoint(log.Origin, tree.Size, root).SignAsync(_signer!);
            await Store.SealAsync([], new StoredCheckpoint(tree.Size, root, note.Encode(), EncodeAccumulator(tree)));
            logger.LogWarning("Signed a checkpoint over {Count} sealed entries of the log {Log} beyond the last checkpoint (imported from the archive), to size {Size}",
                hashes.Count, log.Name, tree.Size);
            _tree = tree;
        }
        _adopted = true;
    }

    /// <summary>
    /// Ships the sealed entries the archive lacks as segments, and the checkpoint at their end. Objects are
    /// write-once: an object already there from an attempt that failed after writing it must be byte-identical.
    /// </summary>
    private async Task ShipAsync(bool force)
    {
        var shipped = await ShippedAsync();
        var latest = await Store.LatestCheckpointAsync();
        if (latest is null || latest.Size == shipped) return;
        var due = force || latest.Size - shipped >= Options.ShipEntries
            || _lastShippedAt is null || clock.GetUtcNow() - _lastShippedAt >= Options.ShipInterval;
        if (!due) return;
        try
        {
            await PutOnceAsync(Layout.VerifierKeyName, System.Text.Encoding.UTF8.GetBytes(_signer!.Verifier.VerifierKey + "\n"));
            await PutOnceAsync(Layout.KeyTokenName, await log.KeyTokenAsync());
            shipped = await ArchivedEndAsync(shipped);
            shipped = await SkipArchivedSegmentsAsync(shipped, latest.Size);
            for (var start = shipped; start < latest.Size; start += Options.MaxSegmentEntries)
            {
                var end = Math.Min(latest.Size, start + Options.MaxSegmentEntries);
                var entries = await Store.SealedEntriesAsync(start, end);
                if (entries.Count != end - start) throw new InvalidOperationException($"the log store returned {entries.Count} entries for [{start}, {end})");
                await PutOnceAsync(Layout.SegmentName(start, end), new LogSegment(start, entries).Encode());
            }
            await PutOnceAsync(Layout.CheckpointName(latest.Size), System.Text.Encoding.UTF8.GetBytes(latest.Note));
            await SetShippedAsync(latest.Size);
            _lastShippedAt = clock.GetUtcNow();
            _lastShipError = null;
            logger.LogInformation("Shipped the transaction log {Log} to {Archive} up to entry {Size}", log.Name, archive.Description, latest.Size);
        }
        catch (Exception e) when (e is not ArchiveConflictException)
        {
            _lastShipError = e.Message;
            VbiTelemetry.LogShipFailures.Add(1);
            logger.LogWarning("Shipping the transaction log {Log} to {Archive} failed; {Backlog} entries wait and are retried: {Error}",
                log.Name, archive.Description, latest.Size - shipped, e.Message);
        }
    }

    /// <summary>
    /// An archive can lose objects it acknowledged: an unplanned storage failover drops the writes not yet replicated,
    /// and a storage node killed before it saved its index forgets its last writes (Azurite saves its index every 5 s).
    /// A ship's checkpoint is the last object it writes; if the last ship's is gone, shipping on from the recorded
    /// size would leave a hole in the archive for good. So shipping starts again where the archived segments stop
    /// running on from entry 0.
    /// </summary>
    private async Task<long> ArchivedEndAsync(long shipped)
    {
        if (shipped == 0 || await archive.GetAsync(Layout.CheckpointName(shipped)) is not null) return shipped;
        var end = 0L;
        foreach (var (start, stop) in (await archive.ListAsync(Layout.SegmentsPrefix)).Select(n => SegmentRange(Layout, n)).OfType<(long Start, long End)>().OrderBy(r => r.Start))
        {
            if (start > end) break;
            if (start == end) end = stop;
        }
        end = Math.Min(end, shipped);
        logger.LogWarning("The archive {Archive} no longer holds the checkpoint of the last ship of the log {Log} (entry {Shipped}); its segments run on to entry {End}, " +
            "and shipping starts again from there", archive.Description, log.Name, shipped, end);
        return end;
    }

    /// <summary>The [start, end) of a segment from its name (<see cref="SegmentName"/>), or null for another name.</summary>
    private static (long Start, long End)? SegmentRange(LogArchiveLayout layout, string name)
    {
        if (!name.StartsWith(layout.SegmentsPrefix, StringComparison.Ordinal)) return null;
        var rest = name.AsSpan(layout.SegmentsPrefix.Length);
        return rest.Length == 12 + 1 + 12 + ".vbilog".Length && rest[12] == '-' && rest.EndsWith(".vbilog", StringComparison.Ordinal)
            && long.TryParse(rest[..12], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var start)
            && long.TryParse(rest[13..25], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var end)
            && end > start
                ? (start, end)
                : null;
    }

    /// <summary>
    /// A ship cut off (a crash, a SIGKILL) after it wrote a segment and before it recorded how far it got leaves that
    /// segment in the archive, which can be neither rewritten nor removed (write-once, retention). Shipping
    /// [shipped, latest) again under another name would overlap it, and the archive would never verify again; so the
    /// segments already archived from <paramref name="shipped"/> on are taken as shipped, once their bytes are found to
    /// be exactly the segment this log holds for their range.
    /// </summary>
    private async Task<long> SkipArchivedSegmentsAsync(long shipped, long size)
    {
        while (true)
        {
            var prefix = $"{Layout.SegmentsPrefix}{shipped:D12}-";
            var ends = (await archive.ListAsync(prefix))
                .Select(n => n[prefix.Length..])
                .Where(rest => rest.Length == 12 + ".vbilog".Length && rest.EndsWith(".vbilog", StringComparison.Ordinal))
                .Select(rest => long.TryParse(rest[..12], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var end) ? end : -1)
                .Where(end => end > shipped)
                .ToList();
            if (ends.Count == 0) return shipped;
            var last = ends.Max();
            if (last > size) throw new InvalidOperationException($"the archive holds {Layout.SegmentName(shipped, last)}, beyond the {size} entries of the log");
            var entries = await Store.SealedEntriesAsync(shipped, last);
            var archived = await archive.GetAsync(Layout.SegmentName(shipped, last));
            if (entries.Count != last - shipped || archived is null || !archived.AsSpan().SequenceEqual(new LogSegment(shipped, entries).Encode()))
                throw new InvalidOperationException($"the archived {Layout.SegmentName(shipped, last)} is not the segment this log holds for that range");
            logger.LogWarning("The archive already holds {Segment} from a ship that was cut off; shipping continues from entry {End}", Layout.SegmentName(shipped, last), last);
            shipped = last;
        }
    }

    private async Task PutOnceAsync(string name, byte[] content)
    {
        try
        {
            await archive.PutAsync(name, content);
        }
        catch (ArchiveConflictException)
        {
            var existing = await archive.GetAsync(name);
            if (existing is null || !existing.AsSpan().SequenceEqual(content)) throw;
        }
    }

    /// <summary>A segment of the home log (<see cref="LogArchiveLayout.SegmentName"/> for any log).</summary>
    public static string SegmentName(long start, long end) => LogArchiveLayout.Home.SegmentName(start, end);

    /// <summary>A checkpoint of the home log (<see cref="LogArchiveLayout.CheckpointName"/> for any log).</summary>
    public static string CheckpointName(long size) => LogArchiveLayout.Home.CheckpointName(size);

    private async Task<long> ShippedAsync() =>
        await Store.GetStateAsync(ShippedState) is { Length: 8 } value ? BinaryPrimitives.ReadInt64BigEndian(value) : 0;

    private Task SetShippedAsync(long size) => Store.SetStateAsync(ShippedState, EncodeShipped(size));

    /// <summary>How far the archive holds the log, as <see cref="ShippedState"/> stores it.</summary>
    public static byte[] EncodeShipped(long size)
    {
        var value = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(value, size);
        return value;
    }

    /// <summary>The Merkle accumulator as a stored checkpoint keeps it, to continue the tree from.</summary>
    public static byte[] EncodeAccumulator(MerkleAccumulator tree) => [.. tree.Nodes.SelectMany(n => n)];

    public static MerkleAccumulator DecodeAccumulator(long size, byte[] nodes) =>
        MerkleAccumulator.Restore(size, [.. nodes.Chunk(32)]);
}
