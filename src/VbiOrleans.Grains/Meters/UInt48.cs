using System.Buffers.Binary;

namespace VbiOrleans.Grains.Meters;

/// <summary>Unsigned 48-bit little-endian fields, as the meter row's packed ledgers store sequences and times.</summary>
internal static class UInt48
{
    public const long MaxValue = (1L << 48) - 1;

    public static void Write(Span<byte> span, long value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], (ushort)(value >> 32));
    }

    public static long Read(ReadOnlySpan<byte> span) =>
        BinaryPrimitives.ReadUInt32LittleEndian(span) | (long)BinaryPrimitives.ReadUInt16LittleEndian(span[4..]) << 32;
}
