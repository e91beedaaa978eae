using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// A meter's row in the postal store: the sealed PSD package and its checkpoint (written together, step 7), the
/// meter's certificate, the results of recent idempotency keys, and the indicia still inside the refund window.
/// </summary>
[GenerateSerializer]
public sealed class MeterGrainState
{
    [Id(0)] public byte[]? SealedPackage { get; set; }
    [Id(1)] public CheckpointData? Checkpoint { get; set; }
    [Id(2)] public byte[]? Certificate { get; set; }
    [Id(3)] public string? CertificateSerial { get; set; }
    [Id(4)] public List<IdempotencyEntry> Idempotency { get; set; } = [];
    /// <summary>The indicia inside the refund window, packed by <see cref="IssuedLedger"/>.</summary>
    [Id(5)] public byte[] Issued { get; set; } = [];
    [Id(6)] public RegistersView? Registers { get; set; }
    [Id(7)] public string? LicensingZip { get; set; }

    public MeterGrainState Copy() => new()
    {
        SealedPackage = SealedPackage, Checkpoint = Checkpoint, Certificate = Certificate, CertificateSerial = CertificateSerial,
        Idempotency = [.. Idempotency], Issued = Issued, Registers = Registers, LicensingZip = LicensingZip,
    };
}

/// <summary>An idempotency key, the fingerprint of its request and its result, serialized once when stored.</summary>
[GenerateSerializer, Immutable]
public sealed record IdempotencyEntry([property: Id(0)] string Key, [property: Id(1)] string Fingerprint, [property: Id(2)] byte[] Result,
    [property: Id(3)] DateTimeOffset At);
