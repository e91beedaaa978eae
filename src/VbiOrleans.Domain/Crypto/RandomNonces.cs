using System.Security.Cryptography;

namespace VbiOrleans.Domain.Crypto;

/// <summary>
/// Nonces for AES-GCM, from the operating system's cryptographic generator (<see cref="RandomNumberGenerator"/>),
/// drawn 4 KiB at a time per thread. Every print seals a package and a log record, and one call into OpenSSL's
/// generator costs more than the 12 bytes it returns (docs/performance.md); a refill costs about the same as one call.
/// Each byte is handed out once, from the calling thread's own buffer, and wiped from it as it goes.
/// </summary>
public static class RandomNonces
{
    private const int BufferSize = 4096;
    /// <summary>Requests longer than this go straight to the generator.</summary>
    private const int MaxBuffered = 64;

    [ThreadStatic] private static byte[]? t_buffer;
    [ThreadStatic] private static int t_next;

    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > MaxBuffered)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }
        var buffer = t_buffer;
        if (buffer is null)
        {
            buffer = t_buffer = new byte[BufferSize];
            t_next = BufferSize;
        }
        if (BufferSize - t_next < destination.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            t_next = 0;
        }
        var taken = buffer.AsSpan(t_next, destination.Length);
        taken.CopyTo(destination);
        taken.Clear();
        t_next += destination.Length;
    }

    public static byte[] Next(int length)
    {
        var nonce = new byte[length];
        Fill(nonce);
        return nonce;
    }
}
