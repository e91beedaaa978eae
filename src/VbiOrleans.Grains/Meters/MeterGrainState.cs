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
/// <remarks>Field ids are never reused with another type or format.</remarks>
[GenerateSerializer]
public sealed class MeterGrainState
{
    [Id(0)] public byte[]? SealedPackage { get; set; }
    [Id(1)] public CheckpointData? Checkpoint { get; set; }
    [Id(3)] public string? CertificateSerial { get; set; }
    [Id(6)] public RegistersView? Registers { get; set; }
    [Id(7)] public string? LicensingZip { get; set; }
    /// <summary>The refunded indicia whose prints may still be inside the refund window, packed by <see cref="RefundLedger"/>.</summary>
    [Id(10)] public byte[] Refunds { get; set; } = [];
    /// <summary>Every key inside the idempotency window and capacity, packed by <see cref="IdempotencyLedger"/>.</summary>
    [Id(11)] public byte[] Keys { get; set; } = [];
    /// <summary>
    /// The meter was licensed while applications wait for the postal authority's answer: PVDs and prints ask the
    /// meter's licence (<see cref="VbiOrleans.Abstractions.Provider.IMeterLicenceGrain"/>) until it is approved.
    /// </summary>
    [Id(12)] public bool AwaitingLicence { get; set; }

    public MeterGrainState Copy() => new()
    {
        SealedPackage = SealedPackage, Checkpoint = Checkpoint, CertificateSerial = CertificateSerial, Registers = Registers,
        LicensingZip = LicensingZip, Refunds = Refunds, Keys = Keys, AwaitingLicence = AwaitingLicence,
    };
}
