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

    /// <summary>Operator recovery of an inhibited meter; written to the audit log.</summary>
    Task<MeterResult> Recover(string operatorName, string reason);

    /// <summary>The meter's X.509 certificate (DER), once provisioned.</summary>
    Task<byte[]?> Certificate();

    /// <summary>
    /// Looks the signed indicium bytes up in the meter's records of issued indicia (those printed since
    /// <see cref="IndiciumLookup.RecordsFrom"/>): whether it was issued, and whether it was refunded.
    /// </summary>
    Task<IndiciumLookup> FindIndicium(byte[] indicium);
}
