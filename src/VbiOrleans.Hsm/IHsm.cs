namespace VbiOrleans.Hsm;

public enum HsmKeyKind
{
    /// <summary>ECDSA on P-256: meter indicium keys, the module identity key, the postal CA key.</summary>
    EcP256Signing = 1,
    /// <summary>AES-256 used only to wrap other keys: the module master key.</summary>
    Aes256Wrapping = 2,
    /// <summary>HMAC-SHA256: the checkpoint MAC key, which never leaves the module.</summary>
    HmacSha256 = 3,
}

/// <summary>
/// A key that lives inside the HSM, named by its label. <see cref="PublicKey"/> is the SubjectPublicKeyInfo (DER)
/// of a signing key; secret material never appears here.
/// </summary>
public sealed record HsmKey(string Label, HsmKeyKind Kind, byte[]? PublicKey);

/// <summary>
/// The operations the crypto modules need from a hardware security module. Implementations: in-memory (Local
/// profile, tests), PKCS#11 (SoftHSM2 locally, any PKCS#11 HSM), Azure Key Vault / Managed HSM over REST.
/// All of them pass the same contract tests.
/// </summary>
public interface IHsm
{
    /// <summary>A short name for logs and health output ("in-memory", "pkcs11:vbi-local", "keyvault:…").</summary>
    string Name { get; }

    /// <summary>Makes a new, non-exportable key. Fails with <see cref="HsmException"/> if the label is taken.</summary>
    Task<HsmKey> GenerateKeyAsync(string label, HsmKeyKind kind, CancellationToken cancellationToken = default);

    /// <summary>The key with this label, or null.</summary>
    Task<HsmKey?> FindKeyAsync(string label, CancellationToken cancellationToken = default);

    /// <summary>ECDSA P-256 over a SHA-256 digest the caller computed; the signature is raw r||s (64 bytes).</summary>
    Task<byte[]> SignDigestAsync(HsmKey key, ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken = default);

    /// <summary>Encrypts key material under a wrapping key; the result is authenticated.</summary>
    Task<byte[]> WrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> keyMaterial, CancellationToken cancellationToken = default);

    /// <summary>Reverses <see cref="WrapAsync"/>; a wrapped blob that was altered fails with <see cref="HsmException"/>.</summary>
    Task<byte[]> UnwrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> wrapped, CancellationToken cancellationToken = default);

    /// <summary>HMAC-SHA256 of the data under an HMAC key.</summary>
    Task<byte[]> MacAsync(HsmKey macKey, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}

/// <summary>
/// A refusal or failure of the HSM: unknown label, wrong key kind, failed authentication of a wrapped blob, or an
/// error the device or service reported. <see cref="Code"/> carries that device's or service's own error code.
/// </summary>
public sealed class HsmException(string message, Exception? inner = null) : Exception(message, inner)
{
    public HsmException(string message, string? code, Exception? inner) : this(message, inner) => Code = code;

    /// <summary>The error code the HSM reported, when it reported one: a PKCS#11 return value (CKR_…) or a Key Vault
    /// error code (Forbidden, KeyNotFound, …).</summary>
    public string? Code { get; }
}
