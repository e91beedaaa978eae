namespace VbiOrleans.Abstractions.Meters;

/// <summary>
/// A command for a meter's PSD. <see cref="Fingerprint"/> is the canonical content an idempotency key is bound to:
/// the same key with another fingerprint is refused (<c>IdempotencyKeyReused</c>).
/// </summary>
[GenerateSerializer]
public abstract record MeterCommand
{
    /// <summary>
    /// Who asked: <c>customer</c>, <c>partner:{id}</c> or <c>operator:{name}</c>. The log record keeps it for what is
    /// derived downstream (the history, the partners' events); it is not part of the <see cref="Fingerprint"/>.
    /// </summary>
    [Id(0)] public string? InitiatedBy { get; init; }

    public abstract string Fingerprint();
}

[GenerateSerializer, Immutable]
public sealed record LicenseCommand([property: Id(0)] string Zip) : MeterCommand
{
    public override string Fingerprint() => $"license|{Zip}";
}

[GenerateSerializer, Immutable]
public sealed record ActivateCommand([property: Id(0)] byte[] Hmk, [property: Id(1)] byte[] PasswordVerifier) : MeterCommand
{
    public override string Fingerprint() =>
        $"activate|{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData([.. Hmk, .. PasswordVerifier]))}";
}

[GenerateSerializer, Immutable]
public sealed record PostageValueDownloadCommand([property: Id(0)] long AmountMills, [property: Id(1)] string PaymentReference) : MeterCommand
{
    public override string Fingerprint() => $"pvd|{AmountMills}|{PaymentReference}";
}

[GenerateSerializer, Immutable]
public sealed record PrintCommand([property: Id(0)] PrintRequest Request) : MeterCommand
{
    public override string Fingerprint() =>
        $"print|{Request.PostageMills}|{Request.DestinationZip}|{Request.MailClass}|{Request.ItemKind}"
        + (Request.Shipment is { } shipment ? "|" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(shipment.Canonical()))) : "");
}

[GenerateSerializer, Immutable]
public sealed record RefundCommand([property: Id(0)] string IndiciumId) : MeterCommand
{
    public override string Fingerprint() => $"refund|{IndiciumId}";
}

[GenerateSerializer, Immutable]
public sealed record WithdrawCommand : MeterCommand
{
    public override string Fingerprint() => "withdraw";
}

/// <summary>
/// The customer's new password, as the module prepared it after checking the current password and the passphrase
/// repetition list: the new verifier and the list with it pushed on. No value moves.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ChangePasswordCommand([property: Id(0)] byte[] PasswordVerifier, [property: Id(1)] IReadOnlyList<byte[]> RepetitionList) : MeterCommand
{
    public override string Fingerprint() =>
        $"password|{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(PasswordVerifier))}";
}
