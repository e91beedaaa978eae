using VbiOrleans.Domain.Modules;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Grains.Modules;

/// <summary>The persisted form of a module table row. Plain fields so any storage serializer reads it back.</summary>
[GenerateSerializer]
public sealed class ModuleEntryState
{
    [Id(0)] public string? Serial { get; set; }
    [Id(1)] public string Label { get; set; } = "";
    [Id(2)] public ModuleState State { get; set; }
    [Id(3)] public DateTimeOffset RegisteredAt { get; set; }
    [Id(4)] public DateTimeOffset? LastAt { get; set; }
    [Id(5)] public TransactionKind? LastKind { get; set; }
    [Id(6)] public long? LastValueMills { get; set; }
    [Id(7)] public string? LastMeterId { get; set; }
    [Id(8)] public long? LastSequence { get; set; }
    [Id(9)] public long TransactionCount { get; set; }

    public ModuleTableEntry? ToDomain() => Serial is null
        ? null
        : new ModuleTableEntry(
            ModuleSerial.Parse(Serial), Label, State, RegisteredAt,
            LastAt is { } at ? new ModuleTransaction(at, LastKind!.Value, new Mills(LastValueMills!.Value), LastMeterId!, LastSequence!.Value) : null,
            TransactionCount);

    public void From(ModuleTableEntry entry)
    {
        Serial = entry.Serial.Value;
        Label = entry.Label;
        State = entry.State;
        RegisteredAt = entry.RegisteredAt;
        LastAt = entry.LastTransaction?.At;
        LastKind = entry.LastTransaction?.Kind;
        LastValueMills = entry.LastTransaction?.Value.Value;
        LastMeterId = entry.LastTransaction?.MeterId;
        LastSequence = entry.LastTransaction?.Sequence;
        TransactionCount = entry.TransactionCount;
    }
}
