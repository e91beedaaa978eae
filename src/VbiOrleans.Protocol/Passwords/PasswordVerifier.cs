using System.Buffers.Binary;
using System.Security.Cryptography;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Passwords;

/// <summary>The answer of <see cref="PasswordVerifier.Verify"/>.</summary>
public enum PasswordCheck
{
    Match = 0,
    Mismatch = 1,
    /// <summary>The stored verifier is not a verifier this code wrote: a storage fault, not the user's.</summary>
    MalformedVerifier = 2,
}

/// <summary>
/// What the module keeps instead of a password: PBKDF2-HMAC-SHA256 of the password's UTF-8 bytes with a 16-byte
/// random salt, 32-byte output. The blob is 53 bytes:
/// <code>
/// version (1) = 1 | iterations (u32 LE) | salt (16) | hash (32)
/// </code>
/// The iteration count travels in the blob, so raising <see cref="DefaultIterations"/> later leaves old verifiers
/// readable; <see cref="NeedsRehash"/> tells when to replace one after a successful login.
/// </summary>
public static class PasswordVerifier
{
    public const byte FormatVersion = 1;
    public const int DefaultIterations = 600_000;
    public const int MinimumIterations = 1;

    /// <summary>A ceiling, so a corrupted or crafted blob cannot make one check run for minutes.</summary>
    public const int MaximumIterations = 10_000_000;

    public const int SaltSize = 16;
    public const int HashSize = 32;
    public const int Size = 1 + 4 + SaltSize + HashSize;

    /// <summary>A new verifier. <paramref name="rng"/> makes the salt (the system's generator when null).</summary>
    public static byte[] Create(string password, int iterations = DefaultIterations, RandomNumberGenerator? rng = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (iterations is < MinimumIterations or > MaximumIterations)
            throw new ArgumentOutOfRangeException(nameof(iterations), iterations, $"from {MinimumIterations} to {MaximumIterations}");
        var bytes = PasswordText.Utf8(password) ?? throw new ArgumentException("the password has a lone surrogate", nameof(password));
        var blob = new byte[Size];
        blob[0] = FormatVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(1), (uint)iterations);
        var salt = Fields.Random(SaltSize, rng);
        salt.CopyTo(blob, 5);
        Rfc2898DeriveBytes.Pbkdf2(bytes, salt, blob.AsSpan(5 + SaltSize), iterations, HashAlgorithmName.SHA256);
        CryptographicOperations.ZeroMemory(bytes);
        return blob;
    }

    /// <summary>
    /// Whether <paramref name="password"/> is the one <paramref name="verifier"/> was made from. The hash is compared
    /// in constant time; the cost is the verifier's iteration count whatever the password.
    /// </summary>
    public static PasswordCheck Verify(string? password, ReadOnlySpan<byte> verifier)
    {
        if (!TryReadIterations(verifier, out var iterations)) return PasswordCheck.MalformedVerifier;
        // A password with no UTF-8 form (null, a lone surrogate) still costs a full derivation, then never matches.
        var utf8 = PasswordText.Utf8(password);
        var bytes = utf8 ?? [];
        Span<byte> hash = stackalloc byte[HashSize];
        Rfc2898DeriveBytes.Pbkdf2(bytes, verifier.Slice(5, SaltSize), hash, iterations, HashAlgorithmName.SHA256);
        CryptographicOperations.ZeroMemory(bytes);
        var match = CryptographicOperations.FixedTimeEquals(hash, verifier[(5 + SaltSize)..]) && utf8 is not null;
        return match ? PasswordCheck.Match : PasswordCheck.Mismatch;
    }

    /// <summary>The iteration count of a well-formed verifier.</summary>
    public static bool TryReadIterations(ReadOnlySpan<byte> verifier, out int iterations)
    {
        iterations = 0;
        if (verifier.Length != Size || verifier[0] != FormatVersion) return false;
        var count = BinaryPrimitives.ReadUInt32LittleEndian(verifier[1..]);
        if (count is < MinimumIterations or > MaximumIterations) return false;
        iterations = (int)count;
        return true;
    }

    /// <summary>True when the verifier was made with fewer iterations than now configured (or is malformed).</summary>
    public static bool NeedsRehash(ReadOnlySpan<byte> verifier, int iterations) =>
        !TryReadIterations(verifier, out var current) || current < iterations;
}
