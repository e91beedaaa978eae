using System.Buffers.Binary;
using System.Text;

namespace VbiOrleans.TransactionLog;

/// <summary>Appends big-endian integers and length-prefixed fields.</summary>
internal sealed class BigEndianWriter
{
    private readonly MemoryStream _stream = new();

    public void Byte(byte value) => _stream.WriteByte(value);

    public void UInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        _stream.Write(b);
    }

    public void UInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _stream.Write(b);
    }

    public void Int64(long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        _stream.Write(b);
    }

    public void Raw(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    /// <summary>UTF-8 with a 16-bit length.</summary>
    public void ShortString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        UInt16(checked((ushort)bytes.Length));
        Raw(bytes);
    }

    /// <summary>Bytes with a 32-bit length.</summary>
    public void Bytes(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        Raw(value);
    }

    public byte[] ToArray() => _stream.ToArray();
}

/// <summary>
/// Reads what <see cref="BigEndianWriter"/> wrote. Every read checks the remaining length and throws
/// <see cref="DecodeException"/> naming the field, which the public decoders turn into a <see cref="LogError"/>.
/// </summary>
internal ref struct BigEndianReader(ReadOnlySpan<byte> data)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw new DecodeException(LogErrorCode.Truncated, $"{field} needs {count} bytes, {Remaining} remain");
        }
        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }

    public byte Byte(string field) => Take(1, field)[0];

    public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    public uint UInt32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public long Int64(string field) => BinaryPrimitives.ReadInt64BigEndian(Take(8, field));

    public long NonNegativeInt64(string field)
    {
        var value = Int64(field);
        return value >= 0 ? value : throw new DecodeException(LogErrorCode.InvalidField, $"{field} is negative ({value})");
    }

    public string ShortString(string field, int maxBytes)
    {
        var length = UInt16(field + " length");
        if (length > maxBytes)
        {
            throw new DecodeException(LogErrorCode.LengthOutOfRange, $"{field} is {length} bytes, at most {maxBytes} allowed");
        }
        var bytes = Take(length, field);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DecodeException(LogErrorCode.InvalidField, $"{field} is not UTF-8");
        }
    }

    public byte[] Bytes(string field, int maxBytes)
    {
        var length = UInt32(field + " length");
        if (length > (uint)maxBytes)
        {
            throw new DecodeException(LogErrorCode.LengthOutOfRange, $"{field} is {length} bytes, at most {maxBytes} allowed");
        }
        return Take((int)length, field).ToArray();
    }

    public readonly void End(string what)
    {
        if (Remaining != 0)
        {
            throw new DecodeException(LogErrorCode.TrailingBytes, $"{Remaining} bytes follow the end of {what}");
        }
    }
}

internal sealed class DecodeException(LogErrorCode code, string message) : Exception(message)
{
    public LogErrorCode Code { get; } = code;

    public LogError ToError(long? entryIndex = null) => new(Code, Message, entryIndex);
}
