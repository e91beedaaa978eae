namespace VbiOrleans.Abstractions.Meters;

/// <summary>
/// A customer meter (virtual PSD), key "m-…". One activation per meter serializes its commands. The PSD package
/// lives sealed in the <c>postal</c> store; every command is checked and executed by the meter's module session.
/// Money-moving commands carry an idempotency key: a retry returns the original result, on any silo.
/// </summary>
public interface IMeterGrain : IGrainWithStringKey
{
    /// <summary>MeterGen: makes the meter's keys and certificate. Repeating it returns the provisioned meter.</summary>
    Task<MeterResult> Provision();

    Task<MeterResult> Execute(string idempotencyKey, MeterCommand command, ExpectedRegisters? expected = null);

    Task<MeterAudit> Audit();

    /// <summary>
    /// Brings the postal row up to module memory from the transaction log if it is behind or gone (after a restore
    /// or a lost postal database), then returns the audit. Does nothing to a current row.
    /// </summary>
    Task<MeterAudit> Reconcile();

    /// <summary>Operator recovery of an inhibited meter; written to the audit log.</summary>
    Task<MeterResult> Recover(string operatorName, string reason);

    /// <summary>The meter's X.509 certificate (DER), once provisioned.</summary>
    Task<byte[]?> Certificate();

    /// <summary>
    /// Looks the signed indicium bytes up in the meter's records, the transaction log, which keeps every transaction
    /// since the meter was provisioned (<see cref="IndiciumLookup.RecordsFrom"/>): whether it was issued, and whether
    /// it was refunded.
    /// </summary>
    Task<IndiciumLookup> FindIndicium(byte[] indicium);

    /// <summary>
    /// The sealed package and the registers as the postal store holds them now (null before provisioning): what the
    /// module needs to answer the client protocol (the HMK is inside the package; only a crypto worker opens it).
    /// </summary>
    Task<MeterSnapshot?> Snapshot();
}

/// <summary>A meter's committed row as the client protocol reads it: the sealed package, its registers and licensing ZIP.</summary>
[GenerateSerializer, Immutable]
public sealed record MeterSnapshot(
    [property: Id(0)] byte[] SealedPackage,
    [property: Id(1)] RegistersView Registers,
    [property: Id(2)] string? LicensingZip,
    [property: Id(3)] string? CertificateSerial);
