using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Checkpoints;
using VbiOrleans.Grains.Telemetry;
using LogRecord = VbiOrleans.Abstractions.Log.LogRecord;

namespace VbiOrleans.Grains.Modules;

[GenerateSerializer]
public sealed class ModuleMemoryState
{
    /// <summary>The last K checkpoints of the meter, oldest first.</summary>
    [Id(0)] public List<CheckpointData> Checkpoints { get; set; } = [];
    [Id(1)] public string? InhibitReason { get; set; }
    /// <summary>Audit records of rollbacks, inhibits and recoveries (the most recent 50).</summary>
    [Id(2)] public List<string> Audit { get; set; } = [];
    /// <summary>
    /// The open client session (an encoded ModuleSession: session id, current challenge, expiry, the last exchanges),
    /// or null. Kept with the checkpoints so that a signed request's checkpoint and the challenge it consumed are one
    /// durable write: the chain never lags the checkpoint, and an exchange is dropped with any checkpoint rolled back.
    /// </summary>
    [Id(3)] public byte[]? ClientSession { get; set; }
}

/// <summary>
/// Module memory for one meter and the checkpoint protocol (docs/checkpoint-protocol.md): the one place where the
/// postal row is judged. Before every command, and before the meter's package is opened for anything else (the
/// client protocol, reads, reconcile): compare the postal checkpoint with module memory and follow the recovery matrix
/// (<see cref="RecoveryMatrix.Decide"/>); a package that does not open for this meter inhibits it. After the crypto
/// worker executes: write the new checkpoint to module memory, durably, before answering (print path step 6). It also
/// keeps the meter's open client session (docs/client-protocol.md): for a customer's signed request the worker checks
/// the request, executes and signs the answer in one call, and the new checkpoint and the session that consumed the
/// challenge are written together.
/// </summary>
public sealed class ModuleSessionGrain(
    [PersistentState(stateName: "moduleMemory", storageName: StorageNames.Module)] IPersistentState<ModuleMemoryState> memory,
    IOptions<ModuleOptions> options,
    IOptions<Commerce.PurchaseOptions> purchases,
    SystemGuardView guard,
    ModuleReports reports,
    Log.TransactionLogs log,
    TimeProvider clock,
    ILogger<ModuleSessionGrain> logger) : Grain, IModuleSessionGrain
{
    // References are made once per activation: making one resolves the grain type from the interface each time.
    private ICryptoWorkerGrain? _worker;
    private ICryptoWorkerGrain Worker => _worker ??= GrainFactory.GetGrain<ICryptoWorkerGrain>(0);
    private string MeterId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => ReseedFromLogAsync();

    /// <summary>
    /// Module memory is written before the log (steps 6 and 7), so the log is never ahead of it, unless module memory
    /// itself came back from a snapshot, or was lost, with the module database (docs/transaction-log.md, "A lost
    /// module database"). Then the log, refilled from the archive, holds the meter's later checkpoints: module memory
    /// takes the last K of them, provided they run on without a gap from what it holds. Anything else is left to the
    /// recovery matrix. Checked once per activation: a restore happens with the hosts stopped.
    /// </summary>
    private async Task ReseedFromLogAsync()
    {
        var state = memory.State;
        if (state.InhibitReason is not null) return;
        var latest = state.Checkpoints.Count > 0 ? state.Checkpoints[^1] : null;
        var logged = (await LoggedFromAsync(latest?.Sequence ?? 0)).ToDictionary(r => r.Key, r => r.Value.Change.Checkpoint!);
        if (logged.Count == 0) return;
        var top = logged.Keys.Max();
        if (latest is not null && top <= latest.Sequence) return;
        if (latest is not null && !(logged.TryGetValue(latest.Sequence, out var same) && same.ToDomain().SameAs(latest.ToDomain())))
        {
            logger.LogError("Meter {MeterId}: the log runs on to sequence {Top} but does not hold module memory's checkpoint {Sequence}; module memory is left as it is",
                MeterId, top, latest.Sequence);
            return;
        }

        var depth = options.Value.MemoryDepth;
        var newer = new List<CheckpointData>();
        for (var sequence = top; newer.Count < depth && sequence > (latest?.Sequence ?? -1) && logged.TryGetValue(sequence, out var checkpoint); sequence--)
            newer.Insert(0, checkpoint);
        if (latest is not null && newer.Count < depth && newer[0].Sequence != latest.Sequence + 1)
        {
            logger.LogError("Meter {MeterId}: the log misses checkpoints between module memory's {Sequence} and its latest {Top}; module memory is left as it is",
                MeterId, latest.Sequence, top);
            return;
        }
        state.Checkpoints = [.. state.Checkpoints.Concat(newer).TakeLast(depth)];
        state.ClientSession = null; // older than the checkpoints it now holds
        AddAudit($"reseeded from the log: module memory was at {latest?.Sequence.ToString() ?? "nothing"}, the log at {top}");
        await memory.WriteStateAsync();
        VbiTelemetry.ModuleMemoryReseeds.Add(1);
        logger.LogWarning("Meter {MeterId}: module memory was at {Sequence} and the log at {Top}; module memory reseeded from the log",
            MeterId, latest?.Sequence.ToString() ?? "nothing", top);
    }

    public async Task<ModuleOutcome> Provision(long meterNumber)
    {
        var state = memory.State;
        // A provision whose postal write never happened leaves only the provision checkpoint: it was never
        // released, so it is rolled back like any other unreleased transaction and provisioning runs again.
        if (state.Checkpoints.Count > 1 || (state.Checkpoints.Count == 1 && state.Checkpoints[0].Sequence != 0))
        {
            return ModuleOutcome.Fail(ErrorCode.WrongMeterState, $"meter {MeterId} is already provisioned");
        }
        var provisioned = await Worker.Provision(MeterId, meterNumber);
        state.Checkpoints = [provisioned.Checkpoint];
        state.InhibitReason = null;
        state.ClientSession = null;
        await memory.WriteStateAsync();
        return new ModuleOutcome(ErrorCode.None, null, provisioned.SealedPackage, provisioned.Checkpoint,
            provisioned.Registers, null, false, [], provisioned.Certificate, provisioned.CertificateSerial);
    }

    public async Task<ModuleOutcome> Process(ModuleRequest request)
    {
        var state = memory.State;
        if (state.InhibitReason is not null) return Inhibited();

        // Step 4: compare the postal store's checkpoint with module memory. The common case (module memory's latest)
        // costs no grain call and no crypto; the package is authenticated by the worker as it opens it. First, before
        // any answer: a rollback also takes back the client session's answer to what it rolls back.
        var compared = await CompareAsync(request.PostalCheckpoint);
        if (compared.Refusal is { } refusal) return refusal;
        if (request.Command is PrintCommand or PostageValueDownloadCommand && await guard.IsStoppedAsync() is { } stopped)
        {
            return await SignedAsync(request, ModuleOutcome.Fail(ErrorCode.SystemStopped, $"postage value downloads and printing are stopped system-wide: {stopped}")
                with { RolledBack = compared.RolledBack });
        }

        // A PVD only for an authorized, unused purchase of exactly its amount for this meter (docs/commerce.md).
        var purchase = request.Command is PostageValueDownloadCommand pvd ? PurchaseOf(pvd) : null;
        if (purchase is not null)
        {
            var claimed = await purchase.Claim(MeterId, ((PostageValueDownloadCommand)request.Command).AmountMills, request.RequestKey ?? "",
                state.Checkpoints.Count > 0 ? state.Checkpoints[^1].Sequence + 1 : 1);
            if (!claimed.IsSuccess) return await SignedAsync(request, ModuleOutcome.Fail(claimed.Error, claimed.Message!) with { RolledBack = compared.RolledBack });
        }
        else if (request.Command is PostageValueDownloadCommand unpaid && !purchases.Value.AcceptUnpaidPvds)
        {
            return await SignedAsync(request, ModuleOutcome.Fail(ErrorCode.PurchaseNotAuthorized,
                $"'{unpaid.PaymentReference}' is not a purchase: a PVD carries the id of an authorized purchase") with { RolledBack = compared.RolledBack });
        }

        // Step 5: execute in the stateless crypto module (for a signed request: check it, execute, sign the answer).
        WorkerOutcome outcome;
        SignedAnswer? signed = null;
        if (request.SignedRequest is null)
        {
            outcome = await Worker.Execute(request);
        }
        else
        {
            var executed = await Worker.ExecuteSigned(request, state.ClientSession, options.Value.SessionIdleTimeout, options.Value.SessionMaxLifetime);
            (outcome, signed) = (executed.Outcome, executed.Signed);
        }
        if (RecoveryMatrix.CauseOf(outcome.Error) is { } cause) return await InhibitAsync(cause, outcome.Message!);
        if (signed is { Session: null })
        {
            // Refused (bad MAC, no session, a used challenge) or an exact retry: nothing ran, nothing is written.
            if (purchase is not null) await purchase.Unclaim(request.RequestKey ?? "");
            return NotAnswered(signed.Answer) with { RolledBack = compared.RolledBack };
        }
        if (outcome.Error != ErrorCode.None)
        {
            // Nothing was made: the purchase is free for another request of the customer. A signed refusal consumed the challenge.
            if (purchase is not null) await purchase.Unclaim(request.RequestKey ?? "");
            if (signed is not null)
            {
                state.ClientSession = signed.Session;
                await memory.WriteStateAsync();
            }
            return ModuleOutcome.Fail(outcome.Error, outcome.Message!) with { RolledBack = compared.RolledBack, Answer = signed?.Answer };
        }

        // Step 6: module memory first, durably (with the session whose challenge this request consumed).
        state.Checkpoints.Add(outcome.Checkpoint!);
        var depth = options.Value.MemoryDepth;
        if (state.Checkpoints.Count > depth) state.Checkpoints.RemoveRange(0, state.Checkpoints.Count - depth);
        if (signed is not null) state.ClientSession = signed.Session;
        await memory.WriteStateAsync();

        var checkpoint = outcome.Checkpoint!;
        reports.Add(Domain.Modules.ModuleSerial.Parse(checkpoint.ModuleSerial).GrainKey,
            new ModuleTransactionReport(checkpoint.At, checkpoint.Kind, checkpoint.AmountMills, MeterId, checkpoint.Sequence));

        return new ModuleOutcome(ErrorCode.None, null, outcome.SealedPackage, checkpoint, outcome.Registers, outcome.Indicium, false, compared.RolledBack)
        {
            Answer = signed?.Answer,
        };
    }

    public async Task<ClientAnswer> Answer(ModuleRequest request, ErrorCode outcome, byte[] payload)
    {
        if (memory.State.InhibitReason is not null) return ClientAnswer.Refused(nameof(ErrorCode.MeterInhibited));
        var compared = await CompareAsync(request.PostalCheckpoint);
        if (compared.Refusal is { } refusal) return ClientAnswer.Refused(refusal.Error.ToString());
        return await AnswerAsync(request, outcome, payload);
    }

    public async Task OpenClientSession(byte[] session)
    {
        memory.State.ClientSession = session;
        await memory.WriteStateAsync();
    }

    public async Task EndClientSession()
    {
        if (memory.State.ClientSession is null) return;
        memory.State.ClientSession = null;
        await memory.WriteStateAsync();
    }

    /// <summary>A refusal decided here, before the worker: for a signed request the module signs it (if the request consumes its challenge).</summary>
    private async Task<ModuleOutcome> SignedAsync(ModuleRequest request, ModuleOutcome refusal) =>
        request.SignedRequest is null ? refusal : refusal with { Answer = await AnswerAsync(request, refusal.Error, []) };

    private async Task<ClientAnswer> AnswerAsync(ModuleRequest request, ErrorCode outcome, byte[] payload)
    {
        var signed = await Worker.Answer(MeterId, request.SealedPackage, memory.State.ClientSession, request.SignedRequest!, (int)outcome, payload,
            options.Value.SessionIdleTimeout, options.Value.SessionMaxLifetime);
        if (signed.Session is not null)
        {
            memory.State.ClientSession = signed.Session;
            await memory.WriteStateAsync();
        }
        return signed.Answer;
    }

    /// <summary>A signed request the module did not answer anew: refused by its verdict, or an exact retry answered from the stored exchange.</summary>
    private static ModuleOutcome NotAnswered(ClientAnswer answer) =>
        ModuleOutcome.Fail(ErrorCode.RequestAlreadyAnswered, $"the signed request was not executed ({answer.Verdict})") with { Answer = answer };

    /// <summary>The purchase a PVD names, or null when its reference is not a purchase id.</summary>
    private Abstractions.Commerce.IPurchaseGrain? PurchaseOf(PostageValueDownloadCommand pvd) =>
        Abstractions.Commerce.PurchaseIds.IsWellFormed(pvd.PaymentReference) ? GrainFactory.GetGrain<Abstractions.Commerce.IPurchaseGrain>(pvd.PaymentReference) : null;

    public async Task<ModuleOutcome> Verify(CheckpointData? postalCheckpoint, byte[]? sealedPackage)
    {
        if (memory.State.InhibitReason is not null) return Inhibited();
        // A row without its package is a row that is gone, whatever else it holds.
        var postal = sealedPackage is null ? null : postalCheckpoint;
        if (postal is null && memory.State.Checkpoints.Count == 0) return ModuleOutcome.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} is not provisioned");
        var compared = await CompareAsync(postal);
        if (compared.Refusal is { } refusal) return refusal;
        if (postal is null)
            return ModuleOutcome.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} is not provisioned") with { RolledBack = compared.RolledBack };

        // The checkpoint is module memory's latest: the package beside it must open for this meter and describe it.
        var opened = await Worker.Open(MeterId, sealedPackage!);
        if (RecoveryMatrix.CauseOf(opened.Error) is { } cause) return await InhibitAsync(cause, opened.Message!);
        if (opened.Error != ErrorCode.None) return ModuleOutcome.Fail(opened.Error, opened.Message!);
        if (!Agree(opened.Registers!, postal!))
            return await InhibitAsync(InhibitCause.PackageCheckpointMismatch,
                $"meter {MeterId}'s package (sequence {opened.Registers!.Sequence}) and its postal checkpoint (sequence {postal!.Sequence}) disagree");
        return new ModuleOutcome(ErrorCode.None, null, null, postal, opened.Registers, null, false, compared.RolledBack);
    }

    /// <summary>
    /// Step 4 and the recovery matrix (<see cref="RecoveryMatrix.Decide"/>). A postal checkpoint equal to module
    /// memory's latest is answered at once; anything else has its MAC checked in the worker and the log consulted.
    /// Roll-forward is answered as <c>PostalStoreBehind</c> with the records to replay (the meter owns the postal row);
    /// rollback is done here; an inhibit is recorded here.
    /// </summary>
    private async Task<(ModuleOutcome? Refusal, IReadOnlyList<long> RolledBack)> CompareAsync(CheckpointData? postalData)
    {
        var state = memory.State;
        if (postalData is not null && !Domain.Meters.MeterId.TryParse(postalData.MeterId, out _))
            return (await InhibitAsync(InhibitCause.CheckpointOfAnotherMeter, $"meter {MeterId}'s postal checkpoint names no meter; it was edited"), []);
        var postal = postalData?.ToDomain();
        // The print path's case: only the latest is looked at, nothing else is made.
        if (RecoveryMatrix.IsCurrent(postal, state.Checkpoints.Count > 0 ? state.Checkpoints[^1].ToDomain() : null)) return (null, []);
        var memoryCheckpoints = state.Checkpoints.Select(c => c.ToDomain()).ToList();

        // Another meter's checkpoint is refused on its meter id; its MAC (under that meter's key) says nothing here.
        var ours = postal is null || postal.MeterId.Value == MeterId;
        var macValid = postal is null || (ours && await Worker.VerifyCheckpoint(postalData!));
        var chain = ours && macValid && memoryCheckpoints.Count > 0 ? await LogChainAsync(postal, memoryCheckpoints) : null;
        var decision = RecoveryMatrix.Decide(Domain.Meters.MeterId.Parse(MeterId), postal, macValid, memoryCheckpoints,
            chain is { Count: > 0 } ? chain[^1].Change.Checkpoint!.ToDomain() : null);

        switch (decision.Action)
        {
            case RecoveryAction.Inhibit:
                return (await InhibitAsync(decision.Cause!.Value, decision.Reason), []);
            case RecoveryAction.RollForward:
                return (ModuleOutcome.Fail(ErrorCode.PostalStoreBehind, $"{decision.Reason}; {chain!.Count} transactions roll forward from the log")
                    with { RollForward = chain }, []);
            case RecoveryAction.Rollback:
                IReadOnlyList<long> rolledBack = [.. decision.Newer.Select(c => c.Sequence)];
                state.Checkpoints.RemoveAll(c => rolledBack.Contains(c.Sequence));
                // The session holds the answer to each rolled-back transaction (written with its checkpoint): it must
                // never be sent as a retry's. Nothing was answered after them (every answer compares first), so they
                // are its newest exchanges.
                state.ClientSession = WithoutNewest(state.ClientSession, rolledBack.Count);
                AddAudit($"rollback of {string.Join(", ", rolledBack)}: {decision.Reason}");
                await memory.WriteStateAsync();
                logger.LogWarning("Meter {MeterId}: module memory rolled back transactions {Sequences} that never reached the postal store",
                    MeterId, string.Join(",", rolledBack));
                VbiTelemetry.Rollbacks.Add(rolledBack.Count);
                return (null, rolledBack);
            default:
                return (null, []);
        }
    }

    /// <summary>
    /// The logged transactions after the postal checkpoint (from the provision record for a row that is gone), without
    /// a gap, up to the furthest module-memory checkpoint they reach: the log must hold the postal checkpoint itself,
    /// and the chain ends on a record whose checkpoint is in module memory. Null when the log reaches none.
    /// </summary>
    private async Task<IReadOnlyList<LogRecord>?> LogChainAsync(Domain.Checkpoints.Checkpoint? postal, IReadOnlyList<Domain.Checkpoints.Checkpoint> memoryCheckpoints)
    {
        var latest = memoryCheckpoints[^1];
        var records = await LoggedFromAsync(postal?.Sequence ?? 0);
        if (postal is not null && !(records.TryGetValue(postal.Sequence, out var start) && start.Change.Checkpoint!.ToDomain().SameAs(postal))) return null;
        var chain = new List<LogRecord>();
        var reached = 0;
        for (var sequence = postal is null ? 0 : postal.Sequence + 1; sequence <= latest.Sequence && records.TryGetValue(sequence, out var record); sequence++)
        {
            chain.Add(record);
            var logged = record.Change.Checkpoint!.ToDomain();
            if (memoryCheckpoints.Any(m => m.SameAs(logged))) reached = chain.Count;
        }
        return reached > 0 ? chain.GetRange(0, reached) : null;
    }

    /// <summary>The meter's logged transactions (not events) from <paramref name="sequence"/> on, the last record of each sequence.</summary>
    private async Task<Dictionary<long, LogRecord>> LoggedFromAsync(long sequence) =>
        (await log.ReadMeterAsync(MeterId, sequence - 1)).Where(r => !r.Change.IsEvent)
            .GroupBy(r => r.Sequence).ToDictionary(g => g.Key, g => g.Last());

    public Task<IReadOnlyList<CheckpointData>> Memory() => Task.FromResult<IReadOnlyList<CheckpointData>>([.. memory.State.Checkpoints]);

    public Task<string?> InhibitReason() => Task.FromResult(memory.State.InhibitReason);

    public Task<IReadOnlyList<string>> AuditTrail() => Task.FromResult<IReadOnlyList<string>>([.. memory.State.Audit]);

    public async Task<ModuleOutcome> RecoveryPoint()
    {
        var (point, refusal) = await RecoveryPointAsync();
        return refusal ?? new ModuleOutcome(ErrorCode.None, null, point!.Change.SealedPackage, point.Change.Checkpoint, point.Change.Registers, null,
            memory.State.InhibitReason is not null, []);
    }

    /// <summary>
    /// The meter's last logged transaction, if it is one module memory vouches for: its checkpoint is in module memory
    /// (fields and MAC), its package opens for this meter and describes the same state. Any module-memory checkpoint
    /// after it never reached the log, so was never released (the matrix's rollback row). Changes nothing.
    /// </summary>
    private async Task<(LogRecord? Point, ModuleOutcome? Refusal)> RecoveryPointAsync()
    {
        var memoryCheckpoints = memory.State.Checkpoints.Select(c => c.ToDomain()).ToList();
        if (memoryCheckpoints.Count == 0)
            return (null, memory.State.InhibitReason is null
                ? ModuleOutcome.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} is not provisioned")
                : ModuleOutcome.Fail(ErrorCode.LogCannotBridge, $"module memory holds nothing for meter {MeterId}; the log cannot be checked against it"));
        var logged = await LoggedFromAsync(memoryCheckpoints[0].Sequence);
        if (logged.Count == 0)
            return (null, ModuleOutcome.Fail(ErrorCode.LogCannotBridge,
                $"the log holds none of meter {MeterId}'s transactions from module memory's oldest checkpoint ({memoryCheckpoints[0].Sequence}) on"));
        var point = logged[logged.Keys.Max()];
        var checkpoint = point.Change.Checkpoint!.ToDomain();
        if (!memoryCheckpoints.Any(m => m.SameAs(checkpoint)))
            return (null, ModuleOutcome.Fail(ErrorCode.LogCannotBridge,
                $"the log's last transaction of meter {MeterId} (sequence {checkpoint.Sequence}) is none of module memory's ({string.Join(", ", memoryCheckpoints.Select(m => m.Sequence))})"));
        var opened = await Worker.Open(MeterId, point.Change.SealedPackage!);
        if (opened.Error != ErrorCode.None || !Agree(opened.Registers!, point.Change.Checkpoint!))
            return (null, ModuleOutcome.Fail(ErrorCode.LogCannotBridge,
                $"the log's package of meter {MeterId} at sequence {checkpoint.Sequence} does not open for it or disagrees with its checkpoint ({opened.Error})"));
        return (point, null);
    }

    public async Task<ModuleOutcome> Recover(CheckpointData postalCheckpoint, byte[] sealedPackage, string operatorName, string reason)
    {
        var (point, refusal) = await RecoveryPointAsync();
        if (refusal is not null) return refusal;
        // The meter rebuilt its row from the log up to the recovery point; only exactly that row is accepted.
        if (!point!.Change.Checkpoint!.ToDomain().SameAs(postalCheckpoint.ToDomain()) || !point.Change.SealedPackage!.AsSpan().SequenceEqual(sealedPackage))
            return ModuleOutcome.Fail(ErrorCode.LogCannotBridge, $"the row offered for meter {MeterId} is not the log's last transaction (sequence {point.Sequence})");

        var state = memory.State;
        IReadOnlyList<long> rolledBack = [.. state.Checkpoints.Where(c => c.Sequence > postalCheckpoint.Sequence).Select(c => c.Sequence)];
        state.Checkpoints.RemoveAll(c => c.Sequence > postalCheckpoint.Sequence);
        // As for a rollback: the answers to what is dropped are the session's newest (an inhibited meter answers nothing).
        state.ClientSession = WithoutNewest(state.ClientSession, rolledBack.Count);
        var was = state.InhibitReason;
        state.InhibitReason = null;
        if (rolledBack.Count > 0) AddAudit($"rollback of {string.Join(", ", rolledBack)}: never in the log, so never released");
        AddAudit($"recovered from the log at sequence {postalCheckpoint.Sequence} by operator {operatorName}: {reason}" + (was is null ? "" : $" (was inhibited: {was})"));
        await memory.WriteStateAsync();
        logger.LogWarning("Meter {MeterId} recovered from the log at sequence {Sequence} by operator {Operator}", MeterId, postalCheckpoint.Sequence, operatorName);
        return new ModuleOutcome(ErrorCode.None, null, sealedPackage, postalCheckpoint, point.Change.Registers, null, false, rolledBack);
    }

    /// <summary>The answer to any command or check of an inhibited meter: the reason, and module memory's last checkpoint.</summary>
    private ModuleOutcome Inhibited()
    {
        var reason = memory.State.InhibitReason!;
        return ModuleOutcome.Fail(ErrorCode.MeterInhibited, $"meter {MeterId} is inhibited: {reason}; an operator must recover it", inhibited: true)
            with { Checkpoint = memory.State.Checkpoints.Count > 0 ? memory.State.Checkpoints[^1] : null };
    }

    /// <summary>
    /// Inhibits the meter in module memory (the module's trust domain), with an audit record, a Critical log event and
    /// the inhibit metric, and reports it to the system guard. A meter is inhibited once: every later command and
    /// check is answered by <see cref="Inhibited"/>, so retries are not counted again.
    /// </summary>
    private async Task<ModuleOutcome> InhibitAsync(InhibitCause cause, string reason)
    {
        if (memory.State.InhibitReason is not null) return Inhibited();
        var text = reason.StartsWith(cause.ToString(), StringComparison.Ordinal) ? reason : $"{cause}: {reason}";
        memory.State.InhibitReason = text;
        AddAudit($"inhibited: {text}");
        await memory.WriteStateAsync();
        logger.LogCritical(VbiTelemetry.MeterInhibitedEvent, "Meter {MeterId} inhibited by the checkpoint protocol ({Cause}): {Reason}", MeterId, cause, text);
        VbiTelemetry.Inhibits.Add(1, new KeyValuePair<string, object?>("reason", cause.ToString()));
        await GrainFactory.GetGrain<ISystemGuardGrain>(0).ReportVerificationFailure(MeterId, options.Value.Serial, text);
        return Inhibited();
    }

    private static byte[]? WithoutNewest(byte[]? session, int exchanges)
    {
        if (session is null || Protocol.Sessions.ModuleSession.Decode(session) is not { IsSuccess: true } decoded) return null;
        var open = decoded.Value;
        for (var i = 0; i < exchanges; i++) open = open.WithoutNewestExchange();
        return open.Encode();
    }

    private static bool Agree(RegistersView package, CheckpointData checkpoint) =>
        package.Sequence == checkpoint.Sequence && package.AscendingMills == checkpoint.AscendingMills && package.DescendingMills == checkpoint.DescendingMills;

    private void AddAudit(string entry)
    {
        memory.State.Audit.Add($"{clock.GetUtcNow():O} {entry}");
        if (memory.State.Audit.Count > 50) memory.State.Audit.RemoveAt(0);
    }
}
