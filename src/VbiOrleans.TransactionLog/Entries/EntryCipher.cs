using System.Security.Cryptography;

namespace VbiOrleans.TransactionLog.Entries;

/// <summary>
/// Seals an entry's secret-bearing payload with AES-256-GCM under a caller-supplied 32-byte key:
/// <c>nonce (12, random) || ciphertext || tag (16)</c>. The associated data is
/// <c>"VBILOG-secret1" || u64 entry index || u16 length || meter id (UTF-8)</c>, so a ciphertext copied into another
/// entry, or another meter's entry, does not open. An empty sealed secret means the entry has none.
/// </summary>
public static class EntryCipher
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = NonceSize + TagSize;

    public static byte[] Seal(ReadOnlySpan<byte> key, long entryIndex, string meterId, ReadOnlySpan<byte> secret)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return Seal(key, entryIndex, meterId, secret, nonce);
    }

    /// <summary>
    /// Seals with a nonce the caller drew from a cryptographic generator for this entry alone: a sealer that seals
    /// thousands of entries at once draws their nonces in one call rather than one call each.
    /// </summary>
    public static byte[] Seal(ReadOnlySpan<byte> key, long entryIndex, string meterId, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nonce)
    {
        RequireKey(key);
        if (nonce.Length != NonceSize) throw new ArgumentException($"a nonce is {NonceSize} bytes", nameof(nonce));
        var sealedSecret = new byte[Overhead + secret.Length];
        nonce.CopyTo(sealedSecret);
        ThreadAesGcm.For(key).Encrypt(nonce, secret, sealedSecret.AsSpan(NonceSize, secret.Length), sealedSecret.AsSpan(NonceSize + secret.Length),
            AssociatedData(entryIndex, meterId));
        return sealedSecret;
    }

    /// <summary>The secret in clear, or <see cref="LogErrorCode.SecretTampered"/> when the key, entry or bytes are wrong.</summary>
    public static LogResult<byte[]> Open(ReadOnlySpan<byte> key, long entryIndex, string meterId, ReadOnlySpan<byte> sealedSecret)
    {
        RequireKey(key);
        if (sealedSecret.Length == 0) return Array.Empty<byte>();
        if (sealedSecret.Length < Overhead)
        {
            return new LogError(LogErrorCode.LengthOutOfRange, $"a sealed secret is at least {Overhead} bytes, got {sealedSecret.Length}", entryIndex);
        }
        var length = sealedSecret.Length - Overhead;
        var plain = new byte[length];
        try
        {
            ThreadAesGcm.For(key).Decrypt(sealedSecret[..NonceSize], sealedSecret.Slice(NonceSize, length), sealedSecret[(NonceSize + length)..], plain,
                AssociatedData(entryIndex, meterId));
        }
        catch (AuthenticationTagMismatchException)
        {
            return new LogError(LogErrorCode.SecretTampered,
                "the sealed secret does not open: wrong key, or it was edited or moved from another entry", entryIndex);
        }
        return plain;
    }

    private static byte[] AssociatedData(long entryIndex, string meterId)
    {
        var w = new BigEndianWriter();
        w.Raw("VBILOG-secret1"u8);
        w.Int64(entryIndex);
        w.ShortString(meterId);
        return w.ToArray();
    }

    private static void RequireKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"the entry key is {KeySize} bytes, got {key.Length}", nameof(key));
    }
}
