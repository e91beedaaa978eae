using System.Security.Cryptography;

namespace VbiOrleans.TransactionLog.Entries;

/// <summary>
/// One AES-256-GCM context per thread, kept for the last key that thread used. The log encrypts every record under
/// one log key, so nearly every call finds its context ready instead of setting up a cipher (which OpenSSL 3 makes
/// costly). The context belongs to the calling thread: use it at once, never across an <c>await</c>.
/// </summary>
public static class ThreadAesGcm
{
    public const int TagSize = 16;

    [ThreadStatic] private static byte[]? t_key;
    [ThreadStatic] private static AesGcm? t_aes;

    public static AesGcm For(ReadOnlySpan<byte> key)
    {
        if (t_aes is { } aes && key.SequenceEqual(t_key)) return aes;
        t_aes?.Dispose();
        t_aes = null;
        var fresh = new AesGcm(key, TagSize);
        t_key = key.ToArray();
        t_aes = fresh;
        return fresh;
    }
}
