using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// One committed PSD transaction as the log keeps it: the public facts (meter, sequence, kind, amounts, module) and
/// everything the meter's postal row needs to be rebuilt from it (the sealed package, its checkpoint, the idempotency
/// key and fingerprint; the record's own fields are that key's result). The rebuild part is the log entry's
/// secret-bearing payload: it is stored only encrypted.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LogRecord(
    [property: Id(0)] string MeterId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] TransactionKind Kind,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string ModuleSerial,
    [property: Id(6)] RowChange Change);

/// <summary>The meter row after the transaction, and what else the transaction wrote beside it.</summary>
[GenerateSerializer, Immutable]
public sealed record RowChange(
    [property: Id(0)] byte[]? SealedPackage,
    [property: Id(1)] CheckpointData? Checkpoint,
    [property: Id(2)] RegistersView? Registers,
    [property: Id(3)] IssuedIndicium? Indicium,
    [property: Id(4)] long? RefundedSequence,
    [property: Id(5)] string? IdempotencyKey,
    [property: Id(6)] string? Fingerprint,
    [property: Id(8)] string? LicensingZip,
    [property: Id(9)] byte[]? Certificate,
    [property: Id(10)] string? CertificateSerial,
    [property: Id(11)] string? Note)
{
    public static readonly RowChange Event = new(null, null, null, null, null, null, null, null, null, null, null);

    /// <summary>
    /// For a refund, the refunded indicium as a scanner reads it (signed bytes, then signature). It is the log row's
    /// public payload, as a print's own indicium is, so the records answer "was this indicium refunded?" for as long
    /// as they answer "was it issued?".
    /// </summary>
    [Id(12)] public byte[]? RefundedIndicium { get; init; }

    /// <summary>
    /// The command that made the transaction (its payment reference, destination, refunded indicium, who asked), for
    /// the consumers of the log feed; null for events and for the meter's own records (provision).
    /// </summary>
    [Id(13)] public MeterCommand? Command { get; init; }

    /// <summary>An event (rollback, inhibit, operator recovery) records what happened; it does not change the row.</summary>
    public bool IsEvent => SealedPackage is null;
}
