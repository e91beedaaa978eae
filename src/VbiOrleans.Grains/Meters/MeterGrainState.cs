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
    [Id(5)] public List<IssuedEntry> Issued { get; set; } = [];
    [Id(6)] public RegistersView? Registers { get; set; }
    [Id(7)] public string? LicensingZip { get; set; }
    [Id(8)] public long TotalDownloadedMills { get; set; }
    [Id(9)] public long TotalWithdrawnMills { get; set; }
    [Id(10)] public long TotalRefundedMills { get; set; }

    public MeterGrainState Copy() => new()
    {
        SealedPackage = SealedPackage, Checkpoint = Checkpoint, Certificate = Certificate, CertificateSerial = CertificateSerial,
        Idempotency = [.. Idempotency], Issued = [.. Issued], Registers = Registers, LicensingZip = LicensingZip,
        TotalDownloadedMills = TotalDownloadedMills, TotalWithdrawnMills = TotalWithdrawnMills, TotalRefundedMills = TotalRefundedMills,
    };
}

[GenerateSerializer, Immutable]
public sealed record IdempotencyEntry([property: Id(0)] string Key, [property: Id(1)] string Fingerprint, [property: Id(2)] MeterResult Result,
    [property: Id(3)] DateTimeOffset At);

/// <summary>An indicium inside the refund window; its id is "{meter id}-{sequence}".</summary>
[GenerateSerializer, Immutable]
public sealed record IssuedEntry([property: Id(0)] long Sequence, [property: Id(1)] long PostageMills,
    [property: Id(2)] DateTimeOffset PrintedAt, [property: Id(3)] bool Refunded);
