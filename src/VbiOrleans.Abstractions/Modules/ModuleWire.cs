using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Abstractions.Modules;

/// <summary>A module table row as it crosses the wire. Amounts are mills.</summary>
[GenerateSerializer, Immutable]
public sealed record ModuleTableRow(
    [property: Id(0)] string Serial,
    [property: Id(1)] string Label,
    [property: Id(2)] string State,
    [property: Id(3)] DateTimeOffset RegisteredAt,
    [property: Id(4)] DateTimeOffset? LastTransactionAt,
    [property: Id(5)] TransactionKind? LastTransactionKind,
    [property: Id(6)] long? LastTransactionValueMills,
    [property: Id(7)] string? LastTransactionMeterId,
    [property: Id(8)] long? LastTransactionSequence,
    [property: Id(9)] long TransactionCount);

/// <summary>What a crypto module reports after processing a PSD transaction.</summary>
[GenerateSerializer, Immutable]
public sealed record ModuleTransactionReport(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] TransactionKind Kind,
    [property: Id(2)] long ValueMills,
    [property: Id(3)] string MeterId,
    [property: Id(4)] long Sequence);

/// <summary>The outcome of a module-table command: the row, or a named error.</summary>
[GenerateSerializer, Immutable]
public sealed record ModuleTableResult(
    [property: Id(0)] ModuleTableRow? Row,
    [property: Id(1)] ErrorCode Error,
    [property: Id(2)] string? Message)
{
    public bool IsSuccess => Error == ErrorCode.None;

    public static ModuleTableResult Ok(ModuleTableRow row) => new(row, ErrorCode.None, null);
    public static ModuleTableResult Fail(DomainError error) => new(null, error.Code, error.Message);
}
