using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    IOptions<Provider.ProviderOptions> provider,
    Log.TransactionLogs log,
    TimeProvider clock,
    ILogger<MeterGrain> logger) : Grain, IMeterGrain
{
    /// <summary>
    /// How long an idempotency key is answered for, and for how many of the meter's latest commands: a retry within
    /// both returns the original result, read back from the transaction log's record of the key's transaction.
    /// </summary>
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);
    public const int IdempotencyCapacity = 64;

    /// <summary>How many times one judgement of the row may roll it forward (to the log's end, then a rollback of the rest).</summary>
    private const int MaxRollForwards = 2;

    private string MeterId => this.GetPrimaryKeyString();
    // Made once per activation: making a reference resolves the grain type from the interface each time.
    private IModuleSessionGrain? _session;
    private IModuleSessionGrain Session => _session ??= GrainFactory.GetGrain<IModuleSessionGrain>(MeterId);

    // Whether the module session has judged the row this activation holds: Verify answered None, or the row is one
    // this activation wrote from the module's own outcome. A row read from the postal store is judged before anything
    // of it is used or shown; after that the common case costs nothing more.
    private bool _judged;
    private int _rolledForward;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!Domain.Meters.MeterId.TryParse(MeterId, out _)) throw new ArgumentException($"'{MeterId}' is not a meter id");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Has the module session judge the postal row (<see cref="IModuleSessionGrain.Verify"/>) unless it already has:
    /// rolls the row forward from the log when the module says it is behind, logs a rollback, and answers the refusal
    /// for an inhibited meter or one not provisioned. Null when the row is this meter's genuine, current row.
    /// </summary>
    private async Task<ModuleOutcome?> JudgeAsync()
    {
        if (_judged) return null;
        for (var rolled = 0; ; rolled++)
        {
            var outcome = await Session.Verify(row.State.Checkpoint, row.State.SealedPackage);
            if (outcome.RolledBack.Count > 0) await LogRollbackAsync(outcome.RolledBack);
            if (outcome.Error == ErrorCode.PostalStoreBehind && outcome.RollForward is { Count: > 0 } records && rolled < MaxRollForwards)
            {
                await RollForwardAsync(records, outcome.Message!);
                continue;
            }
            _judged = outcome.IsSuccess;
            return outcome.IsSuccess ? null : outcome;
        }
    }

    public async Task<MeterResult> Provision()
    {
        var judged = await JudgeAsync();
        if (judged is null) return Ok(row.State.Registers!, null, 0, null);
        if (judged.Error != ErrorCode.MeterNotFound) return MeterResult.Fail(judged.Error, judged.Message!);
        var outcome = await Session.Provision(await GrainFactory.GetGrain<IMeterNumberGrain>(0).Next());
        if (!outcome.IsSuccess) return MeterResult.Fail(outcome.Error, outcome.Message!);
        var change = new RowChange(outcome.SealedPackage, outcome.Checkpoint, outcome.Registers, null, null, null, null, null,
            outcome.Certificate, outcome.CertificateSerial, null);
        await CommitAsync(new LogRecord(MeterId, 0, Domain.Transactions.TransactionKind.Provision, 0, outcome.Checkpoint!.At, outcome.Checkpoint.ModuleSerial, change));
        _judged = true;
        return Ok(row.State.Registers!, Domain.Transactions.TransactionKind.Provision, 0, null);
    }

    public Task<MeterResult> Execute(string idempotencyKey, MeterCommand command, ExpectedRegisters? expected = null) =>
        ExecuteAsync(idempotencyKey, command, expected, null, mayRollForward: true);

    public Task<MeterResult> ExecuteSigned(string idempotencyKey, MeterCommand command, ExpectedRegisters expected, byte[] signedRequest) =>
        ExecuteAsync(idempotencyKey, command, expected, signedRequest, mayRollForward: true);

    private async Task<MeterResult> ExecuteAsync(string idempotencyKey, MeterCommand command, ExpectedRegisters? expected, byte[]? signedRequest, bool mayRollForward)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 128 || idempotencyKey.Any(char.IsControl))
            return MeterResult.Fail(ErrorCode.ValidationFailed, "an idempotency key of 1 to 128 printable characters is required");

        // Nothing of the row (its keys, refunds, package) is used before the module session has judged it; a row that
        // is gone or behind is rebuilt from the log first, and may then hold this key's result.
        if (await JudgeAsync() is { } refused) return Refused(refused);
        ModuleRequest Request(RefundTarget? target) => new(MeterId, row.State.SealedPackage!, row.State.Checkpoint, command, expected, target)
        {
            RequestKey = idempotencyKey,
            SignedRequest = signedRequest,
        };
        // What the meter answers itself is answered to a signed request by the module too, which checks the request first.
        async Task<MeterResult> SignedAsync(MeterResult result) => signedRequest is null
            ? result
            : result with { Answer = await Session.Answer(Request(null), result.Error, ClientPayload.Of(result.Indicium)) };

        var fingerprint = command.Fingerprint();
        if (await EarlierResultAsync(idempotencyKey, fingerprint) is { } earlier) return await SignedAsync(earlier);
        if (command is PostageValueDownloadCommand or PrintCommand && await LicenceRefusalAsync() is { } unlicensed) return await SignedAsync(unlicensed);

        RefundTarget? refund = null;
        IssuedIndicium? refunded = null;
        if (command is RefundCommand r)
        {
            refunded = await IssuedAsync(r.IndiciumId);
            if (refunded is null) return await SignedAsync(MeterResult.Fail(ErrorCode.IndiciumNotFound, $"meter {MeterId} has no indicium {r.IndiciumId}"));
            // The module refuses a print older than the refund window; until then its refund is in the row.
            if (RefundLedger.Contains(row.State.Refunds, refunded.Sequence))
                return await SignedAsync(MeterResult.Fail(ErrorCode.IndiciumAlreadyRefunded, $"indicium {r.IndiciumId} was already refunded"));
            refund = new RefundTarget(r.IndiciumId, refunded.Sequence, refunded.PostageMills, refunded.PrintedAt);
        }

        var outcome = await Session.Process(Request(refund));
        if (outcome.Error == ErrorCode.PostalStoreBehind && outcome.RollForward is { Count: > 0 } records && mayRollForward)
        {
            // The postal row was behind; now it is current (and may already hold this key's result): start over once.
            await RollForwardAsync(records, outcome.Message!);
            return await ExecuteAsync(idempotencyKey, command, expected, signedRequest, mayRollForward: false);
        }
        if (outcome.RolledBack.Count > 0) await LogRollbackAsync(outcome.RolledBack);
        if (!outcome.IsSuccess) return Refused(outcome);

        var checkpoint = outcome.Checkpoint!;
        var result = Ok(outcome.Registers!, checkpoint.Kind, checkpoint.AmountMills, outcome.Indicium) with { Answer = outcome.Answer };
        // The result is not stored: the record's registers, kind, amount and indicium are the result (ResultOf).
        var change = new RowChange(outcome.SealedPackage, checkpoint, outcome.Registers, outcome.Indicium, refund?.Sequence, idempotencyKey, fingerprint,
            (command as LicenseCommand)?.Zip, null, null, null)
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
    /// For a meter licensed while applications wait for the postal authority: the refusal while its licence is pending
    /// or rejected, null once approved (then the row stops asking; the next commit writes that).
    /// </summary>
    private async Task<MeterResult?> LicenceRefusalAsync()
    {
        if (!row.State.AwaitingLicence) return null;
        var licence = await GrainFactory.GetGrain<VbiOrleans.Abstractions.Provider.IMeterLicenceGrain>(MeterId).Status();
        switch (licence.Decision)
        {
            case VbiOrleans.Abstractions.Provider.LicenceDecision.Approved:
                row.State.AwaitingLicence = false;
                return null;
            case VbiOrleans.Abstractions.Provider.LicenceDecision.Rejected:
                VbiTelemetry.CommandsRefused.Add(1, new KeyValuePair<string, object?>("code", nameof(ErrorCode.MeterLicenceRejected)));
                return MeterResult.Fail(ErrorCode.MeterLicenceRejected, $"the postal authority rejected meter {MeterId}'s licence: {licence.Reason}");
            default:
                VbiTelemetry.CommandsRefused.Add(1, new KeyValuePair<string, object?>("code", nameof(ErrorCode.MeterLicencePending)));
                return MeterResult.Fail(ErrorCode.MeterLicencePending,
                    $"meter {MeterId}'s licence application awaits the postal authority's answer; PVDs and prints wait for its approval");
        }
    }

    private MeterResult Refused(ModuleOutcome outcome)
    {
        // An inhibited meter's row is judged again once an operator has recovered it.
        if (outcome.Inhibited) _judged = false;
        VbiTelemetry.CommandsRefused.Add(1, new KeyValuePair<string, object?>("code", outcome.Error.ToString()));
        return MeterResult.Fail(outcome.Error, outcome.Message!) with { Answer = outcome.Answer };
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

    /// <summary>The result a logged command returned: the record's registers, kind, amount and indicium, as the command made them.</summary>
    private MeterResult ResultOf(LogRecord logged) =>
        Ok(logged.Change.Registers ?? throw new InvalidDataException($"meter {MeterId}: the log record of sequence {logged.Sequence} has no registers"),
            logged.Kind, logged.AmountMills, logged.Change.Indicium);

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
        // A licence waits for the postal authority's answer unless applications are approved at once.
        if (record.Kind == Domain.Transactions.TransactionKind.License && !(provider.Value.Licensing.ApproveAtOnce ?? true)) next.AwaitingLicence = true;
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
        // Judged again even if this activation already has: an operator asks because the row may have changed.
        _judged = false;
        _rolledForward = 0;
        await JudgeAsync();
        return await Audit() with { RolledForward = _rolledForward };
    }

    /// <summary>The recovery matrix's roll-forward row: replays the logged transactions the postal row lacks.</summary>
    private async Task RollForwardAsync(IReadOnlyList<LogRecord> records, string reason)
    {
        var next = row.State.Copy();
        foreach (var record in records) await ApplyAsync(next, record);
        await CommitAsync(next);
        _rolledForward += records.Count;
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
        var judged = await JudgeAsync();
        var memory = await Session.Memory();
        var inhibit = await Session.InhibitReason();
        var trail = await Session.AuditTrail();
        IReadOnlyList<CheckpointView> memoryViews = [.. memory.Select(c => c.ToView())];
        if (inhibit is not null || judged is not null)
        {
            // Nothing of a row the module does not vouch for is shown: its registers, serial and ZIP may be another
            // meter's. The totals are module memory's.
            var latest = memory.Count > 0 ? memory[^1] : null;
            return new MeterAudit(MeterId, null, null, null, null, memoryViews, inhibit ?? judged!.Message,
                latest?.TotalDownloadedMills ?? 0, latest?.TotalWithdrawnMills ?? 0, latest?.TotalRefundedMills ?? 0)
            {
                State = inhibit is not null ? nameof(Domain.Meters.MeterState.Inhibited) : null,
                ModuleAudit = trail,
            };
        }
        var s = row.State;
        return new MeterAudit(MeterId, s.Registers, s.CertificateSerial, s.LicensingZip, s.Checkpoint?.ToView(), memoryViews, null,
            // The totals are part of the checkpoint stored beside the package; the row keeps them once.
            s.Checkpoint?.TotalDownloadedMills ?? 0, s.Checkpoint?.TotalWithdrawnMills ?? 0, s.Checkpoint?.TotalRefundedMills ?? 0)
        {
            State = s.Registers?.State,
            ModuleAudit = trail,
        };
    }

    public async Task<MeterResult> Recover(string operatorName, string reason)
    {
        var point = await Session.RecoveryPoint();
        if (!point.IsSuccess) return MeterResult.Fail(point.Error, point.Message!);

        // The row as the meter's own transactions wrote it, replayed from the log: the provision record (certificate
        // serial), the licence (ZIP), every refund and key still inside its window, and the last package and checkpoint.
        var last = point.Checkpoint!.Sequence;
        var logged = (await log.ReadMeterAsync(MeterId, -1)).Where(r => !r.Change.IsEvent && r.Sequence <= last)
            .GroupBy(r => r.Sequence).Select(g => g.Last()).OrderBy(r => r.Sequence).ToList();
        if (logged.Count != last + 1 || logged.Where((r, i) => r.Sequence != i).Any())
            return MeterResult.Fail(ErrorCode.LogCannotBridge,
                $"the log holds {logged.Count} of meter {MeterId}'s {last + 1} transactions up to sequence {last}; the row cannot be rebuilt from it");
        var rebuilt = new MeterGrainState();
        foreach (var record in logged) await ApplyAsync(rebuilt, record);

        // The row first, then the module lifts the inhibition: a failure in between leaves a genuine row on an
        // inhibited meter, which the operator recovers again.
        await CommitAsync(rebuilt);
        var outcome = await Session.Recover(rebuilt.Checkpoint!, rebuilt.SealedPackage!, operatorName, reason);
        if (!outcome.IsSuccess) return MeterResult.Fail(outcome.Error, outcome.Message!);
        _judged = true;
        if (outcome.RolledBack.Count > 0) await LogRollbackAsync(outcome.RolledBack);
        await log.AppendAsync(new LogRecord(MeterId, last, Domain.Transactions.TransactionKind.Recovery, 0, clock.GetUtcNow(),
            rebuilt.Checkpoint!.ModuleSerial, RowChange.Event with { Note = $"postal row rebuilt from the log by operator {operatorName}: {reason}" }));
        logger.LogWarning("Meter {MeterId}: postal row rebuilt from the log at sequence {Sequence} by operator {Operator}: {Reason}",
            MeterId, last, operatorName, reason);
        return Ok(rebuilt.Registers!, Domain.Transactions.TransactionKind.Recovery, 0, null);
    }

    /// <summary>
    /// The meter's certificate, from its grain under the serial the row names; if that is missing (a postal store
    /// restored without it), or the row is not one the module vouches for, from the meter's provision record in the log.
    /// </summary>
    public async Task<byte[]?> Certificate()
    {
        var serial = await JudgeAsync() is null ? row.State.CertificateSerial : null;
        if (serial is not null && await GrainFactory.GetGrain<IMeterCertificateGrain>(serial).Get() is { } found) return found.Certificate;
        if ((await log.ReadMeterAtAsync(MeterId, 0)).FirstOrDefault(r => r.Change.Certificate is not null)?.Change is not { Certificate: { } logged } provision)
            return null;
        await GrainFactory.GetGrain<IMeterCertificateGrain>(provision.CertificateSerial!).Register(MeterId, logged);
        return logged;
    }

    public async Task<MeterSnapshot?> Snapshot()
    {
        if (await JudgeAsync() is { } refused)
        {
            if (!refused.Inhibited) return null;
            // What reads show of an inhibited meter: module memory's last checkpoint and the reason, nothing of the row.
            var latest = refused.Checkpoint;
            return new MeterSnapshot(null,
                new RegistersView(latest?.AscendingMills ?? 0, latest?.DescendingMills ?? 0, 0, latest?.Sequence ?? 0, nameof(Domain.Meters.MeterState.Inhibited)),
                null, null, await Session.InhibitReason() ?? refused.Message, latest?.ToView());
        }
        return row.State is { SealedPackage: { } package, Registers: { } registers }
            ? new MeterSnapshot(package, registers, row.State.LicensingZip, row.State.CertificateSerial)
            : null;
    }

    /// <summary>
    /// The print whose indicium is these bytes, from the transaction log, which keeps every transaction: the records
    /// begin with the meter. It counts as refunded if the log holds a refund of it, or the row does (refunds logged
    /// before the log named the refunded indicium).
    /// </summary>
    public async Task<IndiciumLookup> FindIndicium(byte[] indicium)
    {
        // A row the module does not vouch for says nothing: the log alone answers.
        var vouched = await JudgeAsync() is null;
        var committed = vouched ? row.State.Checkpoint?.Sequence ?? -1 : long.MaxValue;
        var refunds = vouched ? row.State.Refunds : [];
        var records = (await log.FindIndiciumAsync(MeterId, indicium)).Where(r => !r.Change.IsEvent && r.Sequence <= committed).ToList();
        IndiciumRecord? found = null;
        if (records.LastOrDefault(r => r.Change.Indicium is not null)?.Change.Indicium is { } print)
        {
            var refunded = RefundLedger.Contains(refunds, print.Sequence) || records.Any(r => r.Change.RefundedSequence == print.Sequence);
            found = new IndiciumRecord(print.IndiciumId, print.PostageMills, print.PrintedAt, refunded);
        }
        var provisioned = (await log.ReadMeterAtAsync(MeterId, 0)).FirstOrDefault()?.At;
        return new IndiciumLookup(found, provisioned ?? DateTimeOffset.UnixEpoch, vouched ? row.State.Registers?.PieceCount ?? 0 : 0);
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
            // The row in the store is now unknown (written or not): the next use has the module judge it again.
            row.State = previous;
            _judged = false;
            throw;
        }
    }

    private static MeterResult Ok(RegistersView registers, Domain.Transactions.TransactionKind? kind, long amount, IssuedIndicium? indicium) =>
        new(ErrorCode.None, null, registers, kind, amount, indicium);
}
