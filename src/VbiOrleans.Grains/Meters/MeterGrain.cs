using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VbiOrleans.Abstractions;
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
    TimeProvider clock,
    ILogger<MeterGrain> logger) : Grain, IMeterGrain
{
    /// <summary>
    /// How long an idempotency key's result is kept, and for how many of the meter's latest money-moving commands:
    /// a retry within both returns the original result. The row is rewritten on every command, so it stays small.
    /// </summary>
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);
    public const int IdempotencyCapacity = 64;

    private string MeterId => this.GetPrimaryKeyString();
    private IModuleSessionGrain Session => GrainFactory.GetGrain<IModuleSessionGrain>(MeterId);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!Domain.Meters.MeterId.TryParse(MeterId, out _)) throw new ArgumentException($"'{MeterId}' is not a meter id");
        return Task.CompletedTask;
    }

    public async Task<MeterResult> Provision()
    {
        if (row.State.SealedPackage is not null) return Ok(row.State.Registers!, null, 0, null);
        var outcome = await Session.Provision();
        if (!outcome.IsSuccess) return MeterResult.Fail(outcome.Error, outcome.Message!);
        // Published before the row is written: a certificate that signs nothing is harmless, an indicium whose
        // certificate cannot be found is not.
        await GrainFactory.GetGrain<IMeterCertificateGrain>(outcome.CertificateSerial!).Register(MeterId, outcome.Certificate!);
        var next = row.State.Copy();
        next.SealedPackage = outcome.SealedPackage;
        next.Checkpoint = outcome.Checkpoint;
        next.Registers = outcome.Registers;
        next.CertificateSerial = outcome.CertificateSerial;
        next.Certificate = outcome.Certificate;
        await CommitAsync(next);
        return Ok(next.Registers!, Domain.Transactions.TransactionKind.Provision, 0, null);
    }

    public async Task<MeterResult> Execute(string idempotencyKey, MeterCommand command, ExpectedRegisters? expected = null)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 128 || idempotencyKey.Any(char.IsControl))
            return MeterResult.Fail(ErrorCode.ValidationFailed, "an idempotency key of 1 to 128 printable characters is required");

        var fingerprint = command.Fingerprint();
        if (row.State.Idempotency.Find(e => e.Key == idempotencyKey) is { } seen)
        {
            return seen.Fingerprint == fingerprint
                ? serializer.Deserialize<MeterResult>(seen.Result)!
                : MeterResult.Fail(ErrorCode.IdempotencyKeyReused, $"idempotency key '{idempotencyKey}' was used for another request");
        }
        if (row.State.SealedPackage is null)
            return MeterResult.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} is not provisioned");

        RefundTarget? refund = null;
        if (command is RefundCommand r)
        {
            var issued = SequenceOf(r.IndiciumId) is { } sequence ? IssuedLedger.Find(row.State.Issued, sequence) : null;
            if (issued is not { } found) return MeterResult.Fail(ErrorCode.IndiciumNotFound, $"meter {MeterId} has no indicium {r.IndiciumId} within the refund window");
            if (found.Refunded) return MeterResult.Fail(ErrorCode.IndiciumAlreadyRefunded, $"indicium {r.IndiciumId} was already refunded");
            refund = new RefundTarget(r.IndiciumId, found.Sequence, found.PostageMills, found.PrintedAt);
        }

        var outcome = await Session.Process(new ModuleRequest(MeterId, row.State.SealedPackage, row.State.Checkpoint, command, expected, refund));
        if (!outcome.IsSuccess)
        {
            VbiTelemetry.CommandsRefused.Add(1, new KeyValuePair<string, object?>("code", outcome.Error.ToString()));
            return MeterResult.Fail(outcome.Error, outcome.Message!);
        }

        var checkpoint = outcome.Checkpoint!;
        var result = Ok(outcome.Registers!, checkpoint.Kind, checkpoint.AmountMills, outcome.Indicium);
        var now = clock.GetUtcNow();
        var next = row.State.Copy();
        next.SealedPackage = outcome.SealedPackage;
        next.Checkpoint = checkpoint;
        next.Registers = outcome.Registers;
        if (command is LicenseCommand license) next.LicensingZip = license.Zip;
        if (outcome.Indicium is { } indicium)
            next.Issued = IssuedLedger.Append(next.Issued, new IssuedLedger.Entry(indicium.Sequence, indicium.PostageMills, indicium.PrintedAt, false,
                IssuedLedger.DigestOf(indicium.Data, indicium.Signature)));
        if (refund is not null) next.Issued = IssuedLedger.MarkRefunded(next.Issued, refund.Sequence);
        next.Issued = IssuedLedger.Prune(next.Issued, now - options.Value.Limits.RefundWindow);
        next.Idempotency.RemoveAll(e => now - e.At > IdempotencyWindow);
        if (next.Idempotency.Count >= IdempotencyCapacity) next.Idempotency.RemoveRange(0, next.Idempotency.Count - IdempotencyCapacity + 1);
        next.Idempotency.Add(new IdempotencyEntry(idempotencyKey, fingerprint, serializer.SerializeToArray(result), now));

        // Step 7: the postal store, durably. If this fails the result never leaves; the next command reconciles.
        await CommitAsync(next);
        VbiTelemetry.MeterCommands.Add(1, new KeyValuePair<string, object?>("kind", checkpoint.Kind.ToString()));
        return result;
    }

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
        return Ok(outcome.Registers!, null, 0, null);
    }

    public Task<byte[]?> Certificate() => Task.FromResult(row.State.Certificate);

    public Task<IndiciumLookup> FindIndicium(byte[] indicium)
    {
        var recordsFrom = clock.GetUtcNow() - options.Value.Limits.RefundWindow;
        var found = IssuedLedger.FindByDigest(row.State.Issued, IssuedLedger.DigestOf(indicium));
        var record = found is { } e ? new IndiciumRecord($"{MeterId}-{e.Sequence}", e.PostageMills, e.PrintedAt, e.Refunded) : null;
        return Task.FromResult(new IndiciumLookup(record, recordsFrom, row.State.Registers?.PieceCount ?? 0));
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
