using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Meters;

public enum MeterState
{
    /// <summary>Keys and certificate made (MeterGen); waiting in the pool for a customer.</summary>
    Provisioned = 1,
    /// <summary>Licensed to a customer at a licensing (origin) ZIP.</summary>
    Licensed = 2,
    /// <summary>The customer's client is registered; PVDs, prints and refunds are accepted.</summary>
    Operational = 3,
    /// <summary>Stopped by the checkpoint protocol or an operator; only operator recovery clears it.</summary>
    Inhibited = 4,
    /// <summary>Final: the remaining DR was refunded; nothing else is accepted.</summary>
    Withdrawn = 5,
}

/// <summary>The customer's secrets: the HMK shared with the client software and the password verifier.</summary>
public sealed record UserSecrets(byte[] Hmk, byte[] PasswordVerifier);

/// <summary>When the indicium key and its certificate stop being valid.</summary>
public sealed record KeyExpiry(DateTimeOffset IndiciumKeyExpires, DateTimeOffset CertificateExpires);

/// <summary>
/// A meter's PSD package in clear, as a crypto module sees it while it processes a command (claim 32 of the seed:
/// registers, device id, indicium key certificate serial, licensing ZIP, key token, user secrets, key for the user
/// secrets, date and time of last transaction, last challenge, operational state, key expiry dates, passphrase
/// repetition list). On disk it exists only sealed (<see cref="PsdPackageCodec"/>).
/// </summary>
public sealed record PsdPackage(
    MeterId MeterId,
    long Sequence,
    MeterState State,
    Registers Registers,
    MeterTotals Totals,
    DeviceId DeviceId,
    string CertificateSerial,
    string? LicensingZip,
    byte[] IndiciumKeyToken,
    byte[] DataKeyToken,
    UserSecrets? UserSecrets,
    DateTimeOffset? LastTransactionAt,
    byte[]? LastChallenge,
    KeyExpiry KeyExpiry,
    IReadOnlyList<byte[]> PassphraseRepetitionList,
    MeterState? StateBeforeInhibit,
    string? InhibitReason)
{
    /// <summary>
    /// A newly provisioned package: empty registers, sequence 0. <paramref name="indiciumKeyToken"/> is the meter's
    /// private key encrypted under its data key; <paramref name="dataKeyToken"/> is the data key wrapped by the
    /// module master key.
    /// </summary>
    public static PsdPackage Provisioned(MeterId meterId, DeviceId deviceId, string certificateSerial,
        byte[] indiciumKeyToken, byte[] dataKeyToken, KeyExpiry expiry, DateTimeOffset now) =>
        new(meterId, 0, MeterState.Provisioned, Registers.Empty, MeterTotals.Zero, deviceId, certificateSerial, null,
            indiciumKeyToken, dataKeyToken, null, now, null, expiry, [], null, null);
}
