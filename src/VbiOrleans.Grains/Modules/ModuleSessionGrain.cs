using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Checkpoints;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Grains.Modules;

[GenerateSerializer]
public sealed class ModuleMemoryState
{
    /// <summary>The last K checkpoints of the meter, oldest first.</summary>
    [Id(0)] public List<CheckpointData> Checkpoints { get; set; } = [];
    [Id(1)] public string? InhibitReason { get; set; }
    /// <summary>Audit records of rollbacks, inhibits and recoveries (the most recent 50).</summary>
    [Id(2)] public List<string> Audit { get; set; } = [];
}

/// <summary>
/// Module memory for one meter and the checkpoint protocol (docs/checkpoint-protocol.md). Before every command:
/// verify the postal checkpoint's MAC, compare it with module memory, follow the recovery matrix. After the crypto
/// worker executes: write the new checkpoint to module memory, durably, before answering (print path step 6).
/// </summary>
public sealed class ModuleSessionGrain(
    [PersistentState(stateName: "moduleMemory", storageName: StorageNames.Module)] IPersistentState<ModuleMemoryState> memory,
    IOptions<ModuleOptions> options,
    SystemGuardView guard,
    ModuleReports reports,
    Log.TransactionLog log,
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
        AddAudit($"reseeded from the log: module memory was at {latest?.Sequence.ToString() ?? "nothing"}, the log at {top}");
        await memory.WriteStateAsync();
        VbiTelemetry.ModuleMemoryReseeds.Add(1);
        logger.LogWarning("Meter {MeterId}: module memory was at {Sequence} and the log at {Top}; module memory reseeded from the log",
            MeterId, latest?.Sequence.ToString() ?? "nothing", top);
    }

    public async Task<ModuleOutcome> Provision()
    {
        var state = memory.State;
        // A provision whose postal write never happened leaves only the provision checkpoint: it was never
        // released, so it is rolled back like any other unreleased transaction and provisioning runs again.
        if (state.Checkpoints.Count > 1 || (state.Checkpoints.Count == 1 && state.Checkpoints[0].Sequence != 0))
        {
            return ModuleOutcome.Fail(ErrorCode.WrongMeterState, $"meter {MeterId} is already provisioned");
        }
        var provisioned = await Worker.Provision(MeterId);
        state.Checkpoints = [provisioned.Checkpoint];
        state.InhibitReason = null;
        await memory.WriteStateAsync();
        return new ModuleOutcome(ErrorCode.None, null, provisioned.SealedPackage, provisioned.Checkpoint,
            provisioned.Registers, null, false, [], provisioned.Certificate, provisioned.CertificateSerial);
    }

    public async Task<ModuleOutcome> Process(ModuleRequest request)
    {
        var state = memory.State;
        if (state.InhibitReason is { } inhibited)
        {
            return ModuleOutcome.Fail(ErrorCode.MeterInhibited, $"meter {MeterId} is inhibited: {inhibited}; an operator must recover it", inhibited: true);
        }
        if (request.Command is PrintCommand or PostageValueDownloadCommand && await guard.IsStoppedAsync() is { } stopped)
        {
            return ModuleOutcome.Fail(ErrorCode.SystemStopped, $"postage value downloads and printing are stopped system-wide: {stopped}");
        }

        // Step 4: compare the postal store's checkpoint with module memory. The common case, a postal checkpoint
        // equal (fields and MAC) to module memory's latest, is the one this module wrote: nothing to recover, and its
        // MAC needs no second check.
        var postal = request.PostalCheckpoint?.ToDomain();
        IReadOnlyList<long> rolledBack = [];
        if (postal is null || state.Checkpoints.Count == 0 || !state.Checkpoints[^1].ToDomain().SameAs(postal))
        {
            var recovery = await RecoverAsync(request.PostalCheckpoint, postal);
            if (recovery.Refusal is { } refusal) return refusal;
            rolledBack = recovery.RolledBack;
        }

        // Step 5: execute in the stateless crypto module.
        var outcome = await Worker.Execute(request);
        if (outcome.Error is ErrorCode.PackageTampered or ErrorCode.PackageMeterMismatch or ErrorCode.CheckpointMismatch)
        {
            return await InhibitAsync(outcome.Message!);
        }
        if (outcome.Error != ErrorCode.None)
        {
            return ModuleOutcome.Fail(outcome.Error, outcome.Message!) with { RolledBack = rolledBack };
        }

        // Step 6: module memory first, durably.
        state.Checkpoints.Add(outcome.Checkpoint!);
        var depth = options.Value.MemoryDepth;
        if (state.Checkpoints.Count > depth) state.Checkpoints.RemoveRange(0, state.Checkpoints.Count - depth);
        await memory.WriteStateAsync();

        var checkpoint = outcome.Checkpoint!;
        reports.Add(Domain.Modules.ModuleSerial.Parse(checkpoint.ModuleSerial).GrainKey,
            new ModuleTransactionReport(checkpoint.At, checkpoint.Kind, checkpoint.AmountMills, MeterId, checkpoint.Sequence));

        return new ModuleOutcome(ErrorCode.None, null, outcome.SealedPackage, checkpoint, outcome.Registers, outcome.Indicium, false, rolledBack);
    }

    /// <summary>
    /// The recovery matrix, for a postal checkpoint that is not module memory's latest: the HSM checks its MAC, then
    /// the meter rolls forward from the log, rolls back what never reached the postal store, or is inhibited.
    /// </summary>
    private async Task<(ModuleOutcome? Refusal, IReadOnlyList<long> RolledBack)> RecoverAsync(CheckpointData? postalData, Domain.Checkpoints.Checkpoint? postal)
    {
        var state = memory.State;
        var memoryCheckpoints = state.Checkpoints.Select(c => c.ToDomain()).ToList();
        var postalValid = postal is null || await Worker.VerifyCheckpoint(postalData!);
        // The roll-forward row: the postal store is behind (restored from a backup, a standby that lagged, wiped) and
        // the log holds every transaction from its checkpoint to module memory's latest. The meter replays them.
        if (postalValid && memoryCheckpoints.Count > 0 && (postal is null || postal.Sequence < memoryCheckpoints[^1].Sequence)
            && await LogChainAsync(postal, memoryCheckpoints[^1]) is { } chain)
        {
            return (ModuleOutcome.Fail(ErrorCode.PostalStoreBehind,
                $"the postal store is at {postal?.Sequence.ToString() ?? "nothing"}, module memory at {memoryCheckpoints[^1].Sequence}; {chain.Count} transactions roll forward from the log")
                with { RollForward = chain }, []);
        }
        var decision = RecoveryMatrix.Decide(postal, postalValid, memoryCheckpoints,
            // Newer transactions that were in the log were rolled forward above; the ones left never reached it.
            inLog: _ => false);

        switch (decision.Action)
        {
            case RecoveryAction.Inhibit:
                return (await InhibitAsync(decision.Reason), []);
            case RecoveryAction.Rollback:
            case RecoveryAction.RollForward:
                IReadOnlyList<long> rolledBack = [.. decision.Newer.Select(c => c.Sequence)];
                state.Checkpoints.RemoveAll(c => rolledBack.Contains(c.Sequence));
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
    /// The logged transactions after the postal checkpoint up to module memory's latest, if the log holds an unbroken
    /// chain: the postal checkpoint itself (or nothing, for a row that is gone), then every sequence up to the latest,
    /// ending on exactly memory's latest checkpoint. Null when it does not.
    /// </summary>
    private async Task<IReadOnlyList<Abstractions.Log.LogRecord>?> LogChainAsync(Domain.Checkpoints.Checkpoint? postal, Domain.Checkpoints.Checkpoint latest)
    {
        var records = await LoggedFromAsync(postal?.Sequence ?? 0);
        if (postal is not null && !(records.TryGetValue(postal.Sequence, out var start) && start.Change.Checkpoint!.ToDomain().SameAs(postal))) return null;
        var chain = new List<Abstractions.Log.LogRecord>();
        for (var sequence = postal is null ? 0 : postal.Sequence + 1; sequence <= latest.Sequence; sequence++)
        {
            if (!records.TryGetValue(sequence, out var record)) return null;
            chain.Add(record);
        }
        return chain.Count > 0 && chain[^1].Change.Checkpoint!.ToDomain().SameAs(latest) ? chain : null;
    }

    /// <summary>The meter's logged transactions (not events) from <paramref name="sequence"/> on, the last record of each sequence.</summary>
    private async Task<Dictionary<long, Abstractions.Log.LogRecord>> LoggedFromAsync(long sequence) =>
        (await log.ReadMeterAsync(MeterId, sequence - 1)).Where(r => !r.Change.IsEvent)
            .GroupBy(r => r.Sequence).ToDictionary(g => g.Key, g => g.Last());

    public async Task<ModuleOutcome> Reconcile(CheckpointData? postalCheckpoint)
    {
        await ReseedFromLogAsync();
        var memoryCheckpoints = memory.State.Checkpoints.Select(c => c.ToDomain()).ToList();
        if (memoryCheckpoints.Count == 0 || memory.State.InhibitReason is not null) return ModuleOutcome.Fail(ErrorCode.None, "nothing to reconcile");
        var postal = postalCheckpoint?.ToDomain();
        if (postal is not null && memoryCheckpoints[^1].SameAs(postal)) return ModuleOutcome.Fail(ErrorCode.None, "the postal store is current");
        if (postal is not null && !await Worker.VerifyCheckpoint(postalCheckpoint!)) return ModuleOutcome.Fail(ErrorCode.None, "the postal checkpoint fails its MAC");
        if ((postal is null || postal.Sequence < memoryCheckpoints[^1].Sequence) && await LogChainAsync(postal, memoryCheckpoints[^1]) is { } chain)
            return ModuleOutcome.Fail(ErrorCode.PostalStoreBehind, $"{chain.Count} transactions roll forward from the log") with { RollForward = chain };
        return ModuleOutcome.Fail(ErrorCode.None, "the log does not bridge the postal store to module memory");
    }

    public Task<IReadOnlyList<CheckpointData>> Memory() => Task.FromResult<IReadOnlyList<CheckpointData>>([.. memory.State.Checkpoints]);

    public Task<string?> InhibitReason() => Task.FromResult(memory.State.InhibitReason);

    public async Task<ModuleOutcome> Recover(CheckpointData postalCheckpoint, byte[] sealedPackage, string operatorName, string reason)
    {
        if (!await Worker.VerifyCheckpoint(postalCheckpoint))
        {
            return ModuleOutcome.Fail(ErrorCode.CheckpointMismatch, "the postal store's checkpoint fails its MAC; recover the meter from the transaction log");
        }
        var opened = await Worker.Open(MeterId, sealedPackage);
        if (opened.Error != ErrorCode.None)
        {
            return ModuleOutcome.Fail(opened.Error, $"{opened.Message}; recover the meter from the transaction log");
        }
        if (opened.Registers!.Sequence != postalCheckpoint.Sequence || opened.Registers.AscendingMills != postalCheckpoint.AscendingMills
            || opened.Registers.DescendingMills != postalCheckpoint.DescendingMills)
        {
            return ModuleOutcome.Fail(ErrorCode.CheckpointMismatch, "the postal package and checkpoint disagree; recover the meter from the transaction log");
        }
        memory.State.Checkpoints = [postalCheckpoint];
        memory.State.InhibitReason = null;
        AddAudit($"recovered by operator {operatorName} at sequence {postalCheckpoint.Sequence}: {reason}");
        await memory.WriteStateAsync();
        logger.LogWarning("Meter {MeterId} recovered by operator {Operator} at sequence {Sequence}", MeterId, operatorName, postalCheckpoint.Sequence);
        return new ModuleOutcome(ErrorCode.None, null, sealedPackage, postalCheckpoint, opened.Registers, null, false, []);
    }

    private async Task<ModuleOutcome> InhibitAsync(string reason)
    {
        memory.State.InhibitReason = reason;
        AddAudit($"inhibited: {reason}");
        await memory.WriteStateAsync();
        logger.LogError("Meter {MeterId} inhibited by the checkpoint protocol: {Reason}", MeterId, reason);
        VbiTelemetry.Inhibits.Add(1);
        await GrainFactory.GetGrain<ISystemGuardGrain>(0).ReportVerificationFailure(MeterId, options.Value.Serial, reason);
        return ModuleOutcome.Fail(ErrorCode.MeterInhibited, $"meter {MeterId} is inhibited: {reason}; an operator must recover it", inhibited: true);
    }

    private void AddAudit(string entry)
    {
        memory.State.Audit.Add($"{clock.GetUtcNow():O} {entry}");
        if (memory.State.Audit.Count > 50) memory.State.Audit.RemoveAt(0);
    }
}
