using System.Security.Cryptography;

namespace VbiOrleans.Protocol.Wire;

/// <summary>
/// The rules for fields several messages share. Constructors call these and throw <see cref="ArgumentException"/>
/// naming the field; decoders turn that into <see cref="DecodeError.InvalidField"/>.
/// </summary>
internal static class Fields
{
    public const int MaxMeterIdLength = 64;
    public const int MaxIdempotencyKeyLength = 128;

    /// <summary>A meter id on the wire: 1 to 64 printable ASCII characters, no space. The server checks its own, stricter form.</summary>
    public static string MeterId(string? value, string name = "meterId")
    {
        if (value is null || value.Length is 0 or > MaxMeterIdLength) throw new ArgumentException("a meter id is 1 to 64 characters", name);
        foreach (var c in value)
        {
            if (c is < '!' or > '~') throw new ArgumentException("a meter id is printable ASCII without spaces", name);
        }
        return value;
    }

    /// <summary>An idempotency key: 1 to 128 characters, no control characters, no lone surrogates (as the meter grain accepts).</summary>
    public static string IdempotencyKey(string? value, string name = "idempotencyKey")
    {
        if (value is null || value.Length is 0 or > MaxIdempotencyKeyLength || string.IsNullOrWhiteSpace(value))
            throw new ArgumentException("an idempotency key is 1 to 128 printable characters", name);
        if (value.Any(char.IsControl) || !IsWellFormedUtf16(value))
            throw new ArgumentException("an idempotency key has no control characters and no lone surrogates", name);
        return value;
    }

    /// <summary>Printable ASCII of at most <paramref name="max"/> characters, possibly empty.</summary>
    public static string Ascii(string? value, int max, string name)
    {
        if (value is null || value.Length > max) throw new ArgumentException($"at most {max} characters", name);
        foreach (var c in value)
        {
            if (c is < ' ' or > '~') throw new ArgumentException("printable ASCII only", name);
        }
        return value;
    }

    public static byte[] Exact(ReadOnlySpan<byte> value, int size, string name)
    {
        if (value.Length != size) throw new ArgumentException($"{size} bytes, not {value.Length}", name);
        return value.ToArray();
    }

    public static long Register(long value, string name)
    {
        if (value < 0) throw new ArgumentException("a register is never negative", name);
        return value;
    }

    public static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    public static byte[] Random(int size, RandomNumberGenerator? rng)
    {
        var bytes = new byte[size];
        if (rng is null) RandomNumberGenerator.Fill(bytes);
        else rng.GetBytes(bytes);
        return bytes;
    }

    public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => CryptographicOperations.FixedTimeEquals(a, b);

    public static byte[] Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        if (key.Length != ProtocolConstants.HmkSize) throw new ArgumentException($"an HMK is {ProtocolConstants.HmkSize} bytes", nameof(key));
        return HMACSHA256.HashData(key, data);
    }
}
