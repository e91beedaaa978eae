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

    /// <summary>
    /// A customer's signed request (docs/client-protocol.md): executed as <see cref="Execute"/>, with the module checking
    /// the request (MAC, session, challenge, registers) and signing its answer in the same step as the command, so the
    /// answer and the next challenge are durable with module memory before the log. Every answer the meter gives
    /// without the module executing (a known key's first result, a refusal) is signed by the module too.
    /// <see cref="MeterResult.Answer"/> is null when the request was refused before the module answered (the meter
    /// is inhibited, not registered, or its package does not open).
    /// </summary>
    Task<MeterResult> ExecuteSigned(string idempotencyKey, MeterCommand command, ExpectedRegisters expected, byte[] signedRequest);

    Task<MeterAudit> Audit();

    /// <summary>
    /// Brings the postal row up to module memory from the transaction log if it is behind or gone (after a restore
    /// or a lost postal database), then returns the audit. Does nothing to a current row.
    /// </summary>
    Task<MeterAudit> Reconcile();

    /// <summary>
    /// Operator recovery of a swapped, edited or lost postal row (inhibited or not): rebuilds the row from the meter's
    /// transaction log up to its last logged transaction, verified against module memory, then lifts the inhibition
    /// and logs a Recovery event. <c>LogCannotBridge</c> (nothing changed) when the log cannot.
    /// </summary>
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
    /// The sealed package and the registers of the postal row, once the module session has judged the row (null
    /// before provisioning): what the module needs to answer the client protocol (the HMK is inside the package; only
    /// a crypto worker opens it) and what reads show. A row that is behind is rolled forward first. For an inhibited
    /// meter nothing of the row: no package, the state <c>Inhibited</c>, the reason, and module memory's last checkpoint.
    /// </summary>
    Task<MeterSnapshot?> Snapshot();
}

/// <summary>
/// A meter's committed row as the client protocol and reads see it: the sealed package, its registers, licensing ZIP
/// and certificate serial. For an inhibited meter (<see cref="InhibitReason"/> set) the package, ZIP and serial are
/// null and <see cref="Registers"/> are module memory's last checkpoint's (piece count unknown: 0), state <c>Inhibited</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MeterSnapshot(
    [property: Id(0)] byte[]? SealedPackage,
    [property: Id(1)] RegistersView Registers,
    [property: Id(2)] string? LicensingZip,
    [property: Id(3)] string? CertificateSerial,
    [property: Id(4)] string? InhibitReason = null,
    [property: Id(5)] CheckpointView? ModuleMemoryCheckpoint = null)
{
    public bool IsInhibited => InhibitReason is not null;
}
