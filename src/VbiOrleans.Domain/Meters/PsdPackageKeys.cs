using System.Security.Cryptography;

namespace VbiOrleans.Domain.Meters;

/// <summary>
/// The two keys a meter's data key gives its package (HKDF-SHA256: one encrypts the secrets, one authenticates the
/// whole package), derived once and held with their cipher and MAC contexts, so that sealing and opening a package
/// costs no key derivation and no cipher set-up. A meter's commands run one at a time; the lock only guards against
/// two operations on one meter's keys at once, which the contexts would not survive.
/// </summary>
public sealed class PsdPackageKeys : IDisposable
{
    public const int TagSize = 16;
    public const int MacSize = 32;

    private readonly Lock _lock = new();
    private readonly AesGcm _secrets;
    private readonly IncrementalHash _mac;

    private PsdPackageKeys(byte[] encryption, byte[] authentication)
    {
        _secrets = new AesGcm(encryption, TagSize);
        _mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, authentication);
        CryptographicOperations.ZeroMemory(encryption);
        CryptographicOperations.ZeroMemory(authentication);
    }

    public static PsdPackageKeys Derive(ReadOnlySpan<byte> dataKey)
    {
        if (dataKey.Length != 32) throw new ArgumentException("a data key is 32 bytes", nameof(dataKey));
        var encryption = new byte[32];
        var authentication = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, encryption, [], "vbi-psd-encryption"u8);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, authentication, [], "vbi-psd-authentication"u8);
        return new PsdPackageKeys(encryption, authentication);
    }

    internal void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plain, Span<byte> cipher, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        lock (_lock) _secrets.Encrypt(nonce, plain, cipher, tag, aad);
    }

    /// <exception cref="AuthenticationTagMismatchException">The secrets were edited, or belong to another sequence.</exception>
    internal void Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> cipher, ReadOnlySpan<byte> tag, Span<byte> plain, ReadOnlySpan<byte> aad)
    {
        lock (_lock) _secrets.Decrypt(nonce, cipher, tag, plain, aad);
    }

    internal void Mac(ReadOnlySpan<byte> body, Span<byte> mac)
    {
        lock (_lock)
        {
            _mac.AppendData(body);
            _mac.GetHashAndReset(mac);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _secrets.Dispose();
            _mac.Dispose();
        }
    }
}
