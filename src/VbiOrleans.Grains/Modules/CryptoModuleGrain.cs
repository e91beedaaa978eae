using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Modules;
using VbiOrleans.Domain.Money;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Grains.Modules;

public sealed class CryptoModuleGrain(
    [PersistentState(stateName: "moduleTableEntry", storageName: StorageNames.Postal)] IPersistentState<ModuleEntryState> entry,
    TimeProvider clock,
    ILogger<CryptoModuleGrain> logger) : Grain, ICryptoModuleGrain
{
    private ModuleSerial Serial => ModuleSerial.Parse(this.GetPrimaryKeyString()["cm-".Length..]);

    public Task<ModuleTableRow?> Get() => Task.FromResult(entry.State.ToDomain() is { } row ? ToRow(row) : null);

    public async Task<ModuleTableResult> Register(string label)
    {
        var current = entry.State.ToDomain();
        var result = ModuleTable.Register(current, Serial, label, clock.GetUtcNow());
        if (!result.IsSuccess) return Refuse(result.Error);
        if (current is null)
        {
            await Save(result.Value);
            VbiTelemetry.ModulesRegistered.Add(1);
            logger.LogInformation("Module {Serial} registered with label {Label}", Serial, result.Value.Label);
        }
        // Also on a repeated registration: a crash between the two writes leaves the row unlisted until a retry.
        await GrainFactory.GetGrain<IModuleTableGrain>(IModuleTableGrain.Key).Add(Serial.Value);
        return ModuleTableResult.Ok(ToRow(result.Value));
    }

    public async Task<ModuleTableResult> RecordTransaction(ModuleTransactionReport transaction)
    {
        var result = ModuleTable.RecordTransaction(entry.State.ToDomain(), Serial,
            new ModuleTransaction(transaction.At, transaction.Kind, new Mills(transaction.ValueMills), transaction.MeterId, transaction.Sequence));
        if (!result.IsSuccess) return Refuse(result.Error);
        await Save(result.Value);
        VbiTelemetry.ModuleTransactions.Add(1, new KeyValuePair<string, object?>("kind", transaction.Kind.ToString()));
        return ModuleTableResult.Ok(ToRow(result.Value));
    }

    private bool _dirty;
    private IGrainTimer? _flush;

    public Task Report(ModuleTransactionReport transaction, int count)
    {
        var current = entry.State.ToDomain() ?? ModuleTable.Register(null, Serial, "registered by its first transaction", clock.GetUtcNow()).Value;
        var next = ModuleTable.RecordReport(current, Serial,
            new ModuleTransaction(transaction.At, transaction.Kind, new Mills(transaction.ValueMills), transaction.MeterId, transaction.Sequence), count);
        if (!next.IsSuccess) return Task.CompletedTask;
        entry.State.From(next.Value);
        if (!_dirty)
        {
            _dirty = true;
            _flush ??= this.RegisterGrainTimer(FlushAsync, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        }
        return Task.CompletedTask;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_dirty) return;
        _dirty = false;
        var isNew = entry.RecordExists is false;
        await entry.WriteStateAsync(cancellationToken);
        if (isNew) await GrainFactory.GetGrain<IModuleTableGrain>(IModuleTableGrain.Key).Add(Serial.Value);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty) await FlushAsync(cancellationToken);
    }

    public async Task<ModuleTableResult> Retire()
    {
        var result = ModuleTable.Retire(entry.State.ToDomain(), Serial);
        if (!result.IsSuccess) return Refuse(result.Error);
        await Save(result.Value);
        logger.LogInformation("Module {Serial} retired", Serial);
        return ModuleTableResult.Ok(ToRow(result.Value));
    }

    private async Task Save(ModuleTableEntry next)
    {
        var previous = entry.State.ToDomain();
        entry.State.From(next);
        try
        {
            await entry.WriteStateAsync();
        }
        catch
        {
            // Keep memory equal to what is durable: the write failed, so the row is what it was.
            if (previous is null) entry.State = new ModuleEntryState(); else entry.State.From(previous);
            throw;
        }
    }

    private static ModuleTableResult Refuse(DomainError error)
    {
        VbiTelemetry.CommandsRefused.Add(1, new KeyValuePair<string, object?>("code", error.Code.ToString()));
        return ModuleTableResult.Fail(error);
    }

    internal static ModuleTableRow ToRow(ModuleTableEntry e) => new(
        e.Serial.Value, e.Label, e.State.ToString(), e.RegisteredAt,
        e.LastTransaction?.At, e.LastTransaction?.Kind, e.LastTransaction?.Value.Value,
        e.LastTransaction?.MeterId, e.LastTransaction?.Sequence, e.TransactionCount);
}
