using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Abstractions.Modules;

/// <summary>A checkpoint as it is stored and sent: every field and the MAC under the checkpoint MAC key.</summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointData(
    [property: Id(0)] string MeterId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] TransactionKind Kind,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] long AscendingMills,
    [property: Id(5)] long DescendingMills,
    [property: Id(6)] string ModuleSerial,
    [property: Id(7)] DateTimeOffset At,
    [property: Id(8)] long TotalDownloadedMills,
    [property: Id(9)] long TotalRefundedMills,
    [property: Id(10)] long TotalWithdrawnMills,
    [property: Id(11)] byte[] Mac);

/// <summary>An indicium the meter issued that is still within its refund window.</summary>
[GenerateSerializer, Immutable]
public sealed record RefundTarget(
    [property: Id(0)] string IndiciumId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] long PostageMills,
    [property: Id(3)] DateTimeOffset PrintedAt);

/// <summary>What the meter grain hands its module session: the sealed package, its checkpoint, the command.</summary>
[GenerateSerializer, Immutable]
public sealed record ModuleRequest(
    [property: Id(0)] string MeterId,
    [property: Id(1)] byte[] SealedPackage,
    [property: Id(2)] CheckpointData? PostalCheckpoint,
    [property: Id(3)] MeterCommand Command,
    [property: Id(4)] ExpectedRegisters? Expected,
    [property: Id(5)] RefundTarget? RefundTarget)
{
    /// <summary>The request's idempotency key at the meter: a PVD claims its purchase for it.</summary>
    [Id(6)] public string? RequestKey { get; init; }

    /// <summary>
    /// The customer's signed request (binary) when the command comes from one: the worker checks it, executes and
    /// signs the answer in one opening of the package, and the client session is written with module memory.
    /// </summary>
    [Id(7)] public byte[]? SignedRequest { get; init; }
}

/// <summary>
/// The module's answer: the new sealed package and checkpoint (already durable in module memory), the indicium
/// for a print; or a named error. <see cref="Inhibited"/> is set when the checkpoint compare inhibited the meter.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ModuleOutcome(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] byte[]? SealedPackage,
    [property: Id(3)] CheckpointData? Checkpoint,
    [property: Id(4)] RegistersView? Registers,
    [property: Id(5)] IssuedIndicium? Indicium,
    [property: Id(6)] bool Inhibited,
    [property: Id(7)] IReadOnlyList<long> RolledBack,
    [property: Id(8)] byte[]? Certificate = null,
    [property: Id(9)] string? CertificateSerial = null,
    [property: Id(10)] IReadOnlyList<Log.LogRecord>? RollForward = null)
{
    public bool IsSuccess => Error == ErrorCode.None;

    /// <summary>For a signed request: the module's answer to the client (a refusal's too), already durable with module memory.</summary>
    [Id(11)] public ClientAnswer? Answer { get; init; }

    public static ModuleOutcome Fail(ErrorCode code, string message, bool inhibited = false) =>
        new(code, message, null, null, null, null, inhibited, []);
}

/// <summary>A newly provisioned meter: its sealed package, first checkpoint and certificate.</summary>
[GenerateSerializer, Immutable]
public sealed record ProvisionedMeter(
    [property: Id(0)] byte[] SealedPackage,
    [property: Id(1)] CheckpointData Checkpoint,
    [property: Id(2)] byte[] Certificate,
    [property: Id(3)] string CertificateSerial,
    [property: Id(4)] RegistersView Registers);

/// <summary>What the crypto worker returns for one command, before module memory is written.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerOutcome(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] byte[]? SealedPackage,
    [property: Id(3)] CheckpointData? Checkpoint,
    [property: Id(4)] RegistersView? Registers,
    [property: Id(5)] IssuedIndicium? Indicium);
