using System.Buffers.Binary;
using System.Text;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Passwords;

/// <summary>
/// How a password becomes bytes, the same on every side: the strict UTF-8 of the string exactly as given. There is
/// deliberately no Unicode normalization: <see cref="string.Normalize()"/> does nothing under InvariantGlobalization
/// (which the servers run with), so normalizing would make a verifier's meaning depend on the process's globalization
/// mode. A UI that wants composed and decomposed accents to be one password normalizes before it hands the password
/// to the SDK. In sealed messages the bytes are padded to a fixed size so the ciphertext does not tell the length.
/// </summary>
internal static class PasswordText
{
    /// <summary>The largest UTF-8 encoding of a password of <see cref="PasswordPolicy.MaximumLength"/> characters (4 bytes each).</summary>
    public const int MaxUtf8Bytes = PasswordPolicy.MaximumLength * 4;

    /// <summary>u16 length, then the UTF-8 bytes, then zeros up to <see cref="MaxUtf8Bytes"/>.</summary>
    public const int PaddedSize = 2 + MaxUtf8Bytes;

    /// <summary>The UTF-8 bytes of a well-formed password, or null when it has a lone surrogate (which has no UTF-8 form).</summary>
    public static byte[]? Utf8(string? password) =>
        password is not null && Fields.IsWellFormedUtf16(password) ? WireWriter.StrictUtf8.GetBytes(password) : null;

    public static byte[] Padded(string password)
    {
        var bytes = Utf8(password) ?? throw new ArgumentException("the password has a lone surrogate", nameof(password));
        if (bytes.Length > MaxUtf8Bytes) throw new ArgumentException("the password is too long", nameof(password));
        var padded = new byte[PaddedSize];
        BinaryPrimitives.WriteUInt16LittleEndian(padded, (ushort)bytes.Length);
        bytes.CopyTo(padded, 2);
        Array.Clear(bytes);
        return padded;
    }

    /// <summary>Reverses <see cref="Padded"/>; anything but that exact form (long length, non-zero padding, bad UTF-8) is refused.</summary>
    public static string? FromPadded(ReadOnlySpan<byte> padded)
    {
        if (padded.Length != PaddedSize) return null;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(padded);
        if (length > MaxUtf8Bytes || padded[(2 + length)..].ContainsAnyExcept((byte)0)) return null;
        try
        {
            return WireWriter.StrictUtf8.GetString(padded.Slice(2, length));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
