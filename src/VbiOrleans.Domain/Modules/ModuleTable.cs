using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Domain.Modules;

public enum ModuleState
{
    /// <summary>Registered and allowed to process PSD transactions.</summary>
    Active = 1,
    /// <summary>Taken out of service; its row stays for audit and the shutdown threshold.</summary>
    Retired = 2,
}

/// <summary>The last transaction a crypto module processed: the seed's time, date and value columns, plus what identifies it.</summary>
public sealed record ModuleTransaction(
    DateTimeOffset At,
    TransactionKind Kind,
    Mills Value,
    string MeterId,
    long Sequence);

/// <summary>One row of the module table (seed: "cryptographic module table"), per crypto-module serial.</summary>
public sealed record ModuleTableEntry(
    ModuleSerial Serial,
    string Label,
    ModuleState State,
    DateTimeOffset RegisteredAt,
    ModuleTransaction? LastTransaction,
    long TransactionCount);

/// <summary>
/// The rules of the module table. Pure functions: each takes the current row (or none) and returns the next row or
/// a named error, so grains persist only what these functions accept.
/// </summary>
public static class ModuleTable
{
    public const int MaxLabelLength = 100;

    /// <summary>
    /// Registers a module. Registering the same serial again with the same label is a no-op that returns the
    /// existing row (operators retry); a different label is <see cref="ErrorCode.ModuleAlreadyRegistered"/>.
    /// </summary>
    public static Result<ModuleTableEntry> Register(ModuleTableEntry? existing, ModuleSerial serial, string? label, DateTimeOffset now)
    {
        var cleanLabel = (label ?? "").Trim();
        if (cleanLabel.Length > MaxLabelLength || cleanLabel.Any(char.IsControl))
        {
            return new DomainError(ErrorCode.ValidationFailed, $"the label must be at most {MaxLabelLength} printable characters");
        }
        if (existing is not null)
        {
            return existing.Label == cleanLabel
                ? existing
                : new DomainError(ErrorCode.ModuleAlreadyRegistered,
                    $"module {serial} is already registered with the label '{existing.Label}'");
        }
        return new ModuleTableEntry(serial, cleanLabel, ModuleState.Active, now, null, 0);
    }

    /// <summary>
    /// Records the module's last transaction. Times never go backwards for one module: the seed verifies each
    /// module's last transaction against this row, so an older transaction arriving late is refused, not applied.
    /// </summary>
    public static Result<ModuleTableEntry> RecordTransaction(ModuleTableEntry? entry, ModuleSerial serial, ModuleTransaction transaction) =>
        Record(entry, serial, transaction, 1);

    /// <summary>
    /// Records a silo's report: the latest of the <paramref name="count"/> transactions it saw since its last report.
    /// Silos report independently, so a report older than the row's latest transaction still counts its transactions,
    /// and the row keeps the latest.
    /// </summary>
    public static Result<ModuleTableEntry> RecordReport(ModuleTableEntry? entry, ModuleSerial serial, ModuleTransaction latest, long count)
    {
        if (count < 1)
        {
            return new DomainError(ErrorCode.ValidationFailed, "a report stands for at least one transaction");
        }
        if (entry is { State: not ModuleState.Retired, LastTransaction: { } last } && latest.At < last.At)
        {
            return entry with { TransactionCount = entry.TransactionCount + count };
        }
        return Record(entry, serial, latest, count);
    }

    private static Result<ModuleTableEntry> Record(ModuleTableEntry? entry, ModuleSerial serial, ModuleTransaction transaction, long count)
    {
        if (entry is null)
        {
            return new DomainError(ErrorCode.ModuleNotRegistered, $"module {serial} is not registered");
        }
        if (entry.State == ModuleState.Retired)
        {
            return new DomainError(ErrorCode.ModuleRetired, $"module {serial} is retired");
        }
        if (transaction.Value.IsNegative)
        {
            return new DomainError(ErrorCode.InvalidAmount, "a transaction value cannot be negative");
        }
        if (string.IsNullOrWhiteSpace(transaction.MeterId) || transaction.Sequence < 0)
        {
            return new DomainError(ErrorCode.ValidationFailed, "a transaction needs a meter id and a non-negative sequence");
        }
        if (entry.LastTransaction is { } last && transaction.At < last.At)
        {
            return new DomainError(ErrorCode.ModuleTransactionOutOfOrder,
                $"module {serial} already recorded a transaction at {last.At:O}, later than {transaction.At:O}");
        }
        return entry with { LastTransaction = transaction, TransactionCount = entry.TransactionCount + count };
    }

    /// <summary>Retires a module. Retiring twice is a no-op.</summary>
    public static Result<ModuleTableEntry> Retire(ModuleTableEntry? entry, ModuleSerial serial) =>
        entry is null
            ? new DomainError(ErrorCode.ModuleNotRegistered, $"module {serial} is not registered")
            : entry with { State = ModuleState.Retired };
}
