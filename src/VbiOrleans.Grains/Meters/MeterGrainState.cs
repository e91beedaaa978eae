using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// A meter's row in the postal store: the sealed PSD package and its checkpoint (written together, step 7), the
/// serial of the meter's certificate, the idempotency keys it still answers for, and the refunded indicia that are
/// still inside the refund window. The row is rewritten whole on every command, so it holds what decides a command and
/// little else: the results of keys, and the indicia the meter issued, are read back from the transaction log, and the
/// certificate from its own grain. A row of a typical meter stays under PostgreSQL's TOAST threshold (about 2 KB), so
/// it is written in place, uncompressed (docs/performance.md).
/// </summary>
/// <remarks>
/// Field ids are never reused with another type or format. Rows of earlier formats are upgraded when the meter
/// activates (<see cref="MeterGrain"/>): <see cref="Keys"/> is rebuilt from <see cref="IdempotencyKeys"/>, or from the
/// <see cref="Idempotency"/> entries of the first format; <see cref="Refunds"/> from the refunded entries of
/// <see cref="Issued"/> (or of <see cref="IssuedVersion1"/>); <see cref="Certificate"/> is published again and
/// dropped. The old fields are then empty.
/// </remarks>
[GenerateSerializer]
public sealed class MeterGrainState
{
    [Id(0)] public byte[]? SealedPackage { get; set; }
    [Id(1)] public CheckpointData? Checkpoint { get; set; }
    /// <summary>The certificate itself: only in rows written before it was kept by its own grain alone.</summary>
    [Id(2)] public byte[]? Certificate { get; set; }
    [Id(3)] public string? CertificateSerial { get; set; }
    /// <summary>Keys with their results: only in rows written before the results were read from the log alone.</summary>
    [Id(4)] public List<IdempotencyEntry> Idempotency { get; set; } = [];
    /// <summary>The issued ledger in its first, 33-byte format: only in rows written before <see cref="Issued"/>.</summary>
    [Id(5)] public byte[] IssuedVersion1 { get; set; } = [];
    [Id(6)] public RegistersView? Registers { get; set; }
    [Id(7)] public string? LicensingZip { get; set; }
    /// <summary>The key ledger in its 32-byte format (<see cref="IdempotencyLedger.FromVersion2"/>): only in rows written before <see cref="Keys"/>.</summary>
    [Id(8)] public byte[] IdempotencyKeys { get; set; } = [];
    /// <summary>The issued ledger of the second format (<see cref="IssuedLedger"/>): only in rows written before <see cref="Refunds"/>.</summary>
    [Id(9)] public byte[] Issued { get; set; } = [];
    /// <summary>The refunded indicia whose prints may still be inside the refund window, packed by <see cref="RefundLedger"/>.</summary>
    [Id(10)] public byte[] Refunds { get; set; } = [];
    /// <summary>Every key inside the idempotency window and capacity, packed by <see cref="IdempotencyLedger"/>.</summary>
    [Id(11)] public byte[] Keys { get; set; } = [];

    public MeterGrainState Copy() => new()
    {
        SealedPackage = SealedPackage, Checkpoint = Checkpoint, Certificate = Certificate, CertificateSerial = CertificateSerial,
        Idempotency = [.. Idempotency], IssuedVersion1 = IssuedVersion1, Registers = Registers, LicensingZip = LicensingZip,
        IdempotencyKeys = IdempotencyKeys, Issued = Issued, Refunds = Refunds, Keys = Keys,
    };
}

/// <summary>An idempotency key, the fingerprint of its request and its result, serialized once when stored.</summary>
[GenerateSerializer, Immutable]
public sealed record IdempotencyEntry([property: Id(0)] string Key, [property: Id(1)] string Fingerprint, [property: Id(2)] byte[] Result,
    [property: Id(3)] DateTimeOffset At);
