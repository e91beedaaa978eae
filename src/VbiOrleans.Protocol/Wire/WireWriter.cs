using System.Buffers.Binary;
using System.Text;

namespace VbiOrleans.Protocol.Wire;

/// <summary>
/// The canonical encoding every message, MAC input and transcript uses. Integers are fixed-width little-endian (as the
/// PSD package and the checkpoint are); text is strict UTF-8 behind a u16 length; fixed-size byte fields are written
/// raw after their size is checked. The layout of each message is fixed, so an encoding is unambiguous.
/// </summary>
internal sealed class WireWriter(int capacity = 256)
{
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer = new byte[capacity];
    private int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>A message's first two bytes: its type and the protocol version.</summary>
    public WireWriter Header(MessageType type)
    {
        Byte((byte)type);
        return Byte(ProtocolConstants.Version);
    }

    /// <summary>A domain-separation tag: written like any other text, so tags of different lengths never collide.</summary>
    public WireWriter Tag(string tag) => Text(tag);

    public WireWriter Byte(byte value)
    {
        Span(1)[0] = value;
        return this;
    }

    public WireWriter U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Span(2), value);
        return this;
    }

    public WireWriter I32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Span(4), value);
        return this;
    }

    public WireWriter U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Span(4), value);
        return this;
    }

    public WireWriter I64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Span(8), value);
        return this;
    }

    /// <summary>A fixed-size field: exactly <paramref name="size"/> bytes, no length.</summary>
    public WireWriter Fixed(ReadOnlySpan<byte> bytes, int size)
    {
        if (bytes.Length != size) throw new ArgumentException($"a fixed field of {size} bytes got {bytes.Length}");
        bytes.CopyTo(Span(size));
        return this;
    }

    /// <summary>Variable bytes: u16 length, then the bytes.</summary>
    public WireWriter Blob(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ushort.MaxValue) throw new ArgumentException($"a field of {bytes.Length} bytes is longer than {ushort.MaxValue}");
        U16((ushort)bytes.Length);
        bytes.CopyTo(Span(bytes.Length));
        return this;
    }

    /// <summary>Variable bytes that may pass 64 KiB: u32 length, then the bytes.</summary>
    public WireWriter LongBlob(ReadOnlySpan<byte> bytes)
    {
        U32((uint)bytes.Length);
        bytes.CopyTo(Span(bytes.Length));
        return this;
    }

    /// <summary>Text: u16 length of its strict UTF-8 bytes, then the bytes (a lone surrogate throws).</summary>
    public WireWriter Text(string text)
    {
        var count = StrictUtf8.GetByteCount(text);
        if (count > ushort.MaxValue) throw new ArgumentException($"a text of {count} UTF-8 bytes is longer than {ushort.MaxValue}");
        U16((ushort)count);
        StrictUtf8.GetBytes(text, Span(count));
        return this;
    }

    public WireWriter Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Span(bytes.Length));
        return this;
    }

    private Span<byte> Span(int size)
    {
        if (_length + size > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        var span = _buffer.AsSpan(_length, size);
        _length += size;
        return span;
    }
}
