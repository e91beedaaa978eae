using System.Security.Cryptography;

namespace VbiOrleans.Protocol.Registration;

/// <summary>
/// The module identity key's signing operation. The private key lives in the HSM, which signs digests
/// (<c>IHsm.SignDigestAsync</c>): the signer gets the 32-byte SHA-256 digest of the signed message and returns a raw
/// r||s signature (64 bytes).
/// </summary>
public interface IModuleIdentitySigner
{
    Task<byte[]> SignDigestAsync(ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken = default);
}

public static class ModuleIdentitySigner
{
    /// <summary>A signer over a delegate (for example <c>d =&gt; hsm.SignDigestAsync(identityKey, d)</c>).</summary>
    public static IModuleIdentitySigner FromDelegate(Func<byte[], Task<byte[]>> signDigest)
    {
        ArgumentNullException.ThrowIfNull(signDigest);
        return new DelegateSigner(signDigest);
    }

    /// <summary>A signer over an in-process key: tests and development only; in production the key stays in the HSM.</summary>
    public static IModuleIdentitySigner FromEcdsa(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new DelegateSigner(d => Task.FromResult(key.SignHash(d, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));
    }

    private sealed class DelegateSigner(Func<byte[], Task<byte[]>> sign) : IModuleIdentitySigner
    {
        public Task<byte[]> SignDigestAsync(ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return sign(sha256Digest.ToArray());
        }
    }
}
