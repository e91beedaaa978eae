using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// A customer meter (the print path, DESIGN steps 2, 3, 7 and 8). One activation per meter serializes its commands.
/// It hands the sealed package, its checkpoint and the command to the meter's module session; only after the new
/// package and checkpoint are durable in the postal store does the result (and any indicium) leave this grain.
/// </summary>
public sealed class MeterGrain(
    [PersistentState(stateName: "meter", storageName: StorageNames.Postal)] IPersistentState<MeterGrainState> row,
    IOptions<ModuleOptions> options,
    Serializer serializer,
    Log.TransactionLog log,
    TimeProvider clock,
    ILogger<MeterGrain> logger) : Grain, IMeterGrain
{
    /// <summary>
    /// How long an idempotency key is answered for, and for how many of the meter's latest commands: a retry within
    /// both returns the original result, read back from the transaction log's record of the key's transaction.
    /// </summary>
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);
    public const int IdempotencyCapacity = 64;

    private string MeterId => this.GetPrimaryKeyString();
    // Made once per activation: making a reference resolves the grain type from the interface each time.
    private IModuleSessionGrain? _session;
    private IModuleSessionGrain Session => _session ??= GrainFactory.GetGrain<IModuleSessionGrain>(MeterId);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!Domain.Meters.MeterId.TryParse(MeterId, out _)) throw new ArgumentException($"'{MeterId}' is not a meter id");
        await UpgradeRowAsync(row.State);
    }

    /// <summary>
    /// Brings a row of an earlier format up to the current one, in memory (the next command writes it): the refunds
    /// out of the issued ledger, every key into the 14-byte key ledger, the certificate published under its serial and
    /// dropped. Results stay in the log, where every format's commands put them. A current row is left as it is.
    /// </summary>
    private async Task UpgradeRowAsync(MeterGrainState state)
    {
        if (state.IssuedVersion1.Length > 0)
        {
            state.Issued = IssuedLedger.FromVersion1(state.IssuedVersion1);
            state.IssuedVersion1 = [];
        }
        // What the meter issued is read from the log; only the refunds are kept, with their print times.
        var issued = state.Issued.Length > 0;
        if (issued)
        {
            state.Refunds = [.. RefundLedger.FromIssued(state.Issued), .. state.Refunds];
            state.Issued = [];
        }
        var keys = state.IdempotencyKeys.Length > 0 || state.Idempotency.Count > 0;
        if (state.IdempotencyKeys.Length > 0)
        {
            state.Keys = [.. IdempotencyLedger.FromVersion2(state.IdempotencyKeys), .. state.Keys];
            state.IdempotencyKeys = [];
        }
        else if (state.Keys.Length == 0)
        {
            // The first format: every key with its whole result.
            foreach (var entry in state.Idempotency)
            {
                var sequence = StoredResult(entry.Result).Registers?.Sequence
                    ?? throw new InvalidDataException($"meter {MeterId}: the stored result of idempotency key '{entry.Key}' has no registers");
                state.Keys = IdempotencyLedger.Append(state.Keys, new IdempotencyLedger.Entry(IdempotencyLedger.KeyHashOf(entry.Key), sequence, entry.At),
                    IdempotencyCapacity);
            }
        }
        state.Idempotency = [];
        var certificate = state.Certificate is not null;
        if (state is { Certificate: { } der, CertificateSerial: { } serial })
        {
            // Published again (a no-op where it already is) before the row forgets it.
            await GrainFactory.GetGrain<IMeterCertificateGrain>(serial).Register(MeterId, der);
            state.Certificate = null;
        }
        if (issued || keys || certificate)
            logger.LogInformation("Meter {MeterId}: row of an earlier format upgraded ({Keys} idempotency keys, {Refunds} refunded indicia, certificate moved: {Certificate})",
                MeterId, IdempotencyLedger.Count(state.Keys), RefundLedger.Count(state.Refunds), certificate);
    }

    public async Task<MeterResult> Provision()
    {
        if (row.State.SealedPackage is not null || await ReconcileAsync()) return Ok(row.State.Registers!, null, 0, null);
        var outcome = await Session.Provision();
        if (!outcome.IsSuccess) return MeterResult.Fail(outcome.Error, outcome.Message!);
        var change = new RowChange(outcome.SealedPackage, outcome.Checkpoint, outcome.Registers, null, null, null, null, null, null,
            outcome.Certificate, outcome.CertificateSerial, null);
        await CommitAsync(new LogRecord(MeterId, 0, Domain.Transactions.TransactionKind.Provision, 0, outcome.Checkpoint!.At, outcome.Checkpoint.ModuleSerial, change));
        return Ok(row.State.Registers!, Domain.Transactions.TransactionKind.Provision, 0, null);
    }

    public Task<MeterResult> Execute(string idempotencyKey, MeterCommand command, ExpectedRegisters? expected = null) =>
        ExecuteAsync(idempotencyKey, command, expected, mayRollForward: true);

    private async Task<MeterResult> ExecuteAsync(string idempotencyKey, MeterCommand command, ExpectedRegisters? expected, bool mayRollForward)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 128 || idempotencyKey.Any(char.IsControl))
            return MeterResult.Fail(ErrorCode.ValidationFailed, "an idempotency key of 1 to 128 printable characters is required");

        // A row that is gone is rebuilt from the log first: it may hold this key's result.
        if (row.State.SealedPackage is null && !await ReconcileAsync())
            return MeterResult.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} is not provisioned");
        var fingerprint = command.Fingerprint();
        if (await EarlierResultAsync(idempotencyKey, fingerprint) is { } earlier) return earlier;

        RefundTarget? refund = null;
        IssuedIndicium? refunded = null;
        if (command is RefundCommand r)
        {
            refunded = await IssuedAsync(r.IndiciumId);
            if (refunded is null) return MeterResult.Fail(ErrorCode.IndiciumNotFound, $"meter {MeterId} has no indicium {r.IndiciumId}");
            // The module refuses a print older than the refund window; until then its refund is in the row.
            if (RefundLedger.Contains(row.State.Refunds, refunded.Sequence))
                return MeterResult.Fail(ErrorCode.IndiciumAlreadyRefunded, $"indicium {r.IndiciumId} was already refunded");
            refund = new RefundTarget(r.IndiciumId, refunded.Sequence, refunded.PostageMills, refunded.PrintedAt);
        }

        var outcome = await Session.Process(new ModuleRequest(MeterId, row.State.SealedPackage!, row.State.Checkpoint, command, expected, refund));
        if (outcome.Error == ErrorCode.PostalStoreBehind && outcome.RollForward is { Count: > 0 } records && mayRollForward)
        {
            // The postal row was behind; now it is current (and may already hold this key's result): start over once.
            await RollForwardAsync(records, outcome.Message!);
            return await ExecuteAsync(idempotencyKey, command, expected, mayRollForward: false);
        }
        if (outcome.RolledBack.Count > 0) await LogRollbackAsync(outcome.RolledBack);
        if (!outcome.IsSuccess)
        {
            VbiTelemetry.CommandsRefused.Add(1, new KeyValuePair<string, object?>("code", outcome.Error.ToString()));
            return MeterResult.Fail(outcome.Error, outcome.Message!);
        }

        var checkpoint = outcome.Checkpoint!;
        var result = Ok(outcome.Registers!, checkpoint.Kind, checkpoint.AmountMills, outcome.Indicium);
        // The result is not stored: the record's registers, kind, amount and indicium are the result (ResultOf).
        var change = new RowChange(outcome.SealedPackage, checkpoint, outcome.Registers, outcome.Indicium, refund?.Sequence, idempotencyKey, fingerprint,
            null, (command as LicenseCommand)?.Zip, null, null, null)
        {
            RefundedIndicium = refunded is null ? null : [.. refunded.Data, .. refunded.Signature],
            Command = command,
        };

        // Step 7: the log, then the postal store, durably. If either fails the result never leaves; the next command
        // reconciles (rolls forward from the log, or rolls module memory back if the log never got it).
        Faults.FaultPoints.Reached(Faults.FaultPoints.ModuleCommitted);
        await CommitAsync(new LogRecord(MeterId, checkpoint.Sequence, checkpoint.Kind, checkpoint.AmountMills, checkpoint.At, checkpoint.ModuleSerial, change));
        VbiTelemetry.MeterCommands.Add(1, new KeyValuePair<string, object?>("kind", checkpoint.Kind.ToString()));
        return result;
    }

    /// <summary>
    /// The answer to a key the meter has seen: the first result if the request is the same, <c>IdempotencyKeyReused</c>
    /// if not; null for a new key. The key's ledger entry names the sequence of its transaction, whose log record
    /// holds the key, fingerprint and result (I4 holds as long as the log does).
    /// </summary>
    private async Task<MeterResult?> EarlierResultAsync(string key, string fingerprint)
    {
        foreach (var entry in IdempotencyLedger.Find(row.State.Keys, IdempotencyLedger.KeyHashOf(key)))
        {
            // A sequence's transaction is logged once: a rolled-back attempt never reached the log.
            var logged = (await log.ReadMeterAtAsync(MeterId, entry.Sequence)).LastOrDefault(r => r.Change is { IsEvent: false, IdempotencyKey: not null });
            if (logged is null)
            {
                logger.LogError("Meter {MeterId}: idempotency key {Key} produced sequence {Sequence}, whose result the transaction log does not hold",
                    MeterId, key, entry.Sequence);
                return MeterResult.Fail(ErrorCode.IdempotencyResultUnavailable,
                    $"idempotency key '{key}' was used at sequence {entry.Sequence}, but its result cannot be read from the transaction log; the request is not executed again");
            }
            if (logged.Change.IdempotencyKey != key) continue; // another key whose 32-bit hash is the same
            return logged.Change.Fingerprint == fingerprint ? ResultOf(logged) : Reused(key);
        }
        return null;
    }

    /// <summary>
    /// The result a logged command returned. It is made of the record's own fields, as the command made it; records
    /// written before that was so carry the serialized result, which is returned as it was stored.
    /// </summary>
    private MeterResult ResultOf(LogRecord logged) => logged.Change.Result is { } stored
        ? StoredResult(stored)
        : Ok(logged.Change.Registers ?? throw new InvalidDataException($"meter {MeterId}: the log record of sequence {logged.Sequence} has no registers"),
            logged.Kind, logged.AmountMills, logged.Change.Indicium);

    private MeterResult StoredResult(byte[] result) =>
        serializer.Deserialize<MeterResult>(result) ?? throw new InvalidDataException($"meter {MeterId}: a stored idempotency result is empty");

    private static MeterResult Reused(string key) =>
        MeterResult.Fail(ErrorCode.IdempotencyKeyReused, $"idempotency key '{key}' was used for another request");

    /// <summary>Appends the transaction to the log (durably), then applies it to the postal row (durably).</summary>
    private async Task CommitAsync(LogRecord record)
    {
        await log.AppendAsync(record);
        Faults.FaultPoints.Reached(Faults.FaultPoints.LogAppended);
        var next = row.State.Copy();
        await ApplyAsync(next, record);
        await CommitAsync(next);
        Faults.FaultPoints.Reached(Faults.FaultPoints.PostalWritten);
    }

    /// <summary>
    /// What a transaction does to the postal row: the same code for a command that just ran and for one replayed
    /// from the log, so a rolled-forward row is exactly the row the command would have written.
    /// </summary>
    private async Task ApplyAsync(MeterGrainState next, LogRecord record)
    {
        var change = record.Change;
        next.SealedPackage = change.SealedPackage;
        next.Checkpoint = change.Checkpoint;
        next.Registers = change.Registers;
        if (change.LicensingZip is { } zip) next.LicensingZip = zip;
        if (change.Certificate is { } certificate)
        {
            // Published before the row is written: a certificate that signs nothing is harmless, an indicium whose
            // certificate cannot be found is not.
            await GrainFactory.GetGrain<IMeterCertificateGrain>(change.CertificateSerial!).Register(MeterId, certificate);
            next.CertificateSerial = change.CertificateSerial;
        }
        // A refund is kept from its own time, which is no earlier than its print's: by the time it is dropped the
        // print is past the refund window, and the module refuses it on that ground.
        if (change.RefundedSequence is { } refunded) next.Refunds = RefundLedger.Append(next.Refunds, refunded, record.At);
        var now = clock.GetUtcNow();
        next.Refunds = RefundLedger.Prune(next.Refunds, now - options.Value.Limits.RefundWindow);
        next.Keys = IdempotencyLedger.Prune(next.Keys, now - IdempotencyWindow);
        if (change.IdempotencyKey is { } key && now - record.At <= IdempotencyWindow)
            next.Keys = IdempotencyLedger.Append(next.Keys, new IdempotencyLedger.Entry(IdempotencyLedger.KeyHashOf(key), record.Sequence, record.At), IdempotencyCapacity);
    }

    public async Task<MeterAudit> Reconcile()
    {
        await ReconcileAsync();
        return await Audit();
    }

    /// <summary>Rolls the postal row forward from the log if module memory is ahead of it; true if it did.</summary>
    private async Task<bool> ReconcileAsync()
    {
        var outcome = await Session.Reconcile(row.State.Checkpoint);
        if (outcome.Error != ErrorCode.PostalStoreBehind || outcome.RollForward is not { Count: > 0 } records) return false;
        await RollForwardAsync(records, outcome.Message!);
        return true;
    }

    /// <summary>The recovery matrix's roll-forward row: replays the logged transactions the postal row lacks.</summary>
    private async Task RollForwardAsync(IReadOnlyList<LogRecord> records, string reason)
    {
        var next = row.State.Copy();
        foreach (var record in records) await ApplyAsync(next, record);
        await CommitAsync(next);
        VbiTelemetry.RollForwards.Add(records.Count);
        logger.LogWarning("Meter {MeterId} rolled forward {Count} transactions from the log to sequence {Sequence}: {Reason}",
            MeterId, records.Count, next.Checkpoint?.Sequence, reason);
    }

    /// <summary>Records in the log that module memory dropped transactions which never reached it (they were never released).</summary>
    private Task LogRollbackAsync(IReadOnlyList<long> sequences) =>
        log.AppendAsync(new LogRecord(MeterId, sequences.Min(), Domain.Transactions.TransactionKind.Rollback, 0, clock.GetUtcNow(),
            row.State.Checkpoint?.ModuleSerial ?? "", RowChange.Event with { Note = $"rolled back {string.Join(", ", sequences)}" }));

    public async Task<MeterAudit> Audit()
    {
        var memory = await Session.Memory();
        var s = row.State;
        return new MeterAudit(MeterId, s.Registers, s.CertificateSerial, s.LicensingZip, s.Checkpoint?.ToView(),
            [.. memory.Select(c => c.ToView())], await Session.InhibitReason(),
            // The totals are part of the checkpoint stored beside the package; the row keeps them once.
            s.Checkpoint?.TotalDownloadedMills ?? 0, s.Checkpoint?.TotalWithdrawnMills ?? 0, s.Checkpoint?.TotalRefundedMills ?? 0);
    }

    public async Task<MeterResult> Recover(string operatorName, string reason)
    {
        if (row.State.SealedPackage is null || row.State.Checkpoint is null)
            return MeterResult.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} is not provisioned");
        var outcome = await Session.Recover(row.State.Checkpoint, row.State.SealedPackage, operatorName, reason);
        if (!outcome.IsSuccess) return MeterResult.Fail(outcome.Error, outcome.Message!);
        logger.LogWarning("Meter {MeterId} recovered by operator {Operator}: {Reason}", MeterId, operatorName, reason);
        await log.AppendAsync(new LogRecord(MeterId, row.State.Checkpoint.Sequence, Domain.Transactions.TransactionKind.Recovery, 0, clock.GetUtcNow(),
            row.State.Checkpoint.ModuleSerial, RowChange.Event with { Note = $"operator {operatorName}: {reason}" }));
        return Ok(outcome.Registers!, null, 0, null);
    }

    /// <summary>
    /// The meter's certificate, from its grain under the serial the row names; if that is missing (a postal store
    /// restored without it), from the meter's provision record in the log, and published again.
    /// </summary>
    public async Task<byte[]?> Certificate()
    {
        if (row.State.CertificateSerial is not { } serial) return null;
        var published = GrainFactory.GetGrain<IMeterCertificateGrain>(serial);
        if (await published.Get() is { } found) return found.Certificate;
        if ((await log.ReadMeterAtAsync(MeterId, 0)).FirstOrDefault(r => r.Change.CertificateSerial == serial)?.Change.Certificate is not { } logged) return null;
        await published.Register(MeterId, logged);
        return logged;
    }

    public Task<MeterSnapshot?> Snapshot() => Task.FromResult(row.State is { SealedPackage: { } package, Registers: { } registers }
        ? new MeterSnapshot(package, registers, row.State.LicensingZip, row.State.CertificateSerial)
        : null);

    /// <summary>
    /// The print whose indicium is these bytes, from the transaction log, which keeps every transaction: the records
    /// begin with the meter. It counts as refunded if the log holds a refund of it, or the row does (refunds logged
    /// before the log named the refunded indicium).
    /// </summary>
    public async Task<IndiciumLookup> FindIndicium(byte[] indicium)
    {
        var committed = row.State.Checkpoint?.Sequence ?? -1;
        var records = (await log.FindIndiciumAsync(MeterId, indicium)).Where(r => !r.Change.IsEvent && r.Sequence <= committed).ToList();
        IndiciumRecord? found = null;
        if (records.LastOrDefault(r => r.Change.Indicium is not null)?.Change.Indicium is { } print)
        {
            var refunded = RefundLedger.Contains(row.State.Refunds, print.Sequence) || records.Any(r => r.Change.RefundedSequence == print.Sequence);
            found = new IndiciumRecord(print.IndiciumId, print.PostageMills, print.PrintedAt, refunded);
        }
        var provisioned = (await log.ReadMeterAtAsync(MeterId, 0)).FirstOrDefault()?.At;
        return new IndiciumLookup(found, provisioned ?? DateTimeOffset.UnixEpoch, row.State.Registers?.PieceCount ?? 0);
    }

    /// <summary>The print this meter committed under an indicium id "{meter id}-{sequence}", from the log; null if there is none.</summary>
    private async Task<IssuedIndicium?> IssuedAsync(string indiciumId)
    {
        if (SequenceOf(indiciumId) is not { } sequence || sequence > (row.State.Checkpoint?.Sequence ?? -1)) return null;
        return (await log.ReadMeterAtAsync(MeterId, sequence)).LastOrDefault(r => !r.Change.IsEvent)?.Change.Indicium;
    }

    /// <summary>The sequence in an indicium id "{meter id}-{sequence}" of this meter, or null.</summary>
    private long? SequenceOf(string indiciumId) =>
        indiciumId.StartsWith(MeterId + "-", StringComparison.Ordinal) && long.TryParse(indiciumId.AsSpan(MeterId.Length + 1), out var sequence)
            ? sequence : null;

    private async Task CommitAsync(MeterGrainState next)
    {
        var previous = row.State;
        row.State = next;
        try
        {
            await row.WriteStateAsync();
        }
        catch
        {
            row.State = previous;
            throw;
        }
    }

    private static MeterResult Ok(RegistersView registers, Domain.Transactions.TransactionKind? kind, long amount, IssuedIndicium? indicium) =>
        new(ErrorCode.None, null, registers, kind, amount, indicium);
}
