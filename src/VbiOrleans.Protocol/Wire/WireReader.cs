using System.Buffers.Binary;
using System.Text;

namespace VbiOrleans.Protocol.Wire;

/// <summary>
/// Reads what <see cref="WireWriter"/> wrote, strictly: a short input, an unknown type or version, bad UTF-8 or bytes
/// after the last field throw <see cref="WireFormatException"/> naming the field. Strict reading is what makes the
/// encoding canonical: one value has exactly one encoding that decodes.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position == _data.Length;

    public void Header(MessageType type)
    {
        if (_data.Length < 2) throw new WireFormatException(DecodeError.Truncated, "header");
        if (_data[0] != (byte)type) throw new WireFormatException(DecodeError.WrongMessageType, "type");
        if (_data[1] != ProtocolConstants.Version) throw new WireFormatException(DecodeError.UnsupportedVersion, "version");
        _position = 2;
    }

    public byte Byte(string field) => Take(1, field)[0];

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public int I32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public long I64(string field) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, field));

    public byte[] Fixed(int size, string field) => Take(size, field).ToArray();

    public byte[] Blob(string field) => Take(U16(field), field).ToArray();

    public byte[] LongBlob(string field)
    {
        var length = U32(field);
        if (length > int.MaxValue) throw new WireFormatException(DecodeError.Truncated, field);
        return Take((int)length, field).ToArray();
    }

    public string Text(string field)
    {
        var bytes = Take(U16(field), field);
        try
        {
            return WireWriter.StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw WireFormatException.Invalid(field);
        }
    }

    public readonly void End()
    {
        if (!AtEnd) throw new WireFormatException(DecodeError.TrailingBytes, "end");
    }

    private ReadOnlySpan<byte> Take(int size, string field)
    {
        if (_data.Length - _position < size) throw new WireFormatException(DecodeError.Truncated, field);
        var span = _data.Slice(_position, size);
        _position += size;
        return span;
    }
}
