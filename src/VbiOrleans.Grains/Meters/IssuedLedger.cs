using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// The format in which meter rows listed the indicia they issued inside the refund window, before the transaction log
/// answered for them (<see cref="RefundLedger"/>): a row of this format is upgraded when its meter activates. Packed 24
/// bytes each, oldest first:
/// the sequence (48 bits), the postage in mills (31 bits) with the refunded flag in the top bit, the print time in
/// whole milliseconds since 1970 UTC (48 bits), and the first 8 bytes of the SHA-256 of the signed indicium. Only
/// reading it remains (<see cref="RefundLedger.FromIssued"/> keeps its refunded entries), and converting the first
/// format to it; writing it is for tests that make rows of this format.
/// </summary>
public static class IssuedLedger
{
    private const int EntrySize = 24;
    private const uint RefundedBit = 0x8000_0000;

    /// <summary>An entry; <see cref="PrintedAt"/> reads back truncated to the millisecond.</summary>
    public readonly record struct Entry(long Sequence, long PostageMills, DateTimeOffset PrintedAt, bool Refunded, ulong Digest = 0);

    /// <summary>The digest an entry keeps of an indicium: its signed bytes followed by the signature, as a scanner reads them.</summary>
    public static ulong DigestOf(ReadOnlySpan<byte> indicium) => BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(indicium));

    public static byte[] Append(byte[] ledger, Entry entry)
    {
        var next = new byte[ledger.Length + EntrySize];
        ledger.CopyTo(next, 0);
        Write(next.AsSpan(ledger.Length), entry);
        return next;
    }

    public static int Count(byte[] ledger) => ledger.Length / EntrySize;

    /// <summary>The entry at <paramref name="index"/>, oldest first.</summary>
    public static Entry At(byte[] ledger, int index) => Read(ledger.AsSpan(index * EntrySize, EntrySize));

    /// <summary>
    /// A ledger in the first format (33 bytes an entry: sequence, postage, UTC ticks, refunded flag, digest, all
    /// little-endian), as rows written before this one hold it, in this format.
    /// </summary>
    public static byte[] FromVersion1(byte[] ledger)
    {
        const int version1Size = 33;
        if (ledger.Length % version1Size != 0)
            throw new InvalidDataException($"an issued ledger of the first format is {ledger.Length} bytes, not a multiple of {version1Size}");
        var next = new byte[ledger.Length / version1Size * EntrySize];
        for (int from = 0, to = 0; from < ledger.Length; from += version1Size, to += EntrySize)
        {
            var old = ledger.AsSpan(from, version1Size);
            Write(next.AsSpan(to), new Entry(BinaryPrimitives.ReadInt64LittleEndian(old), BinaryPrimitives.ReadInt64LittleEndian(old[8..]),
                new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(old[16..]), TimeSpan.Zero), old[24] == 1,
                BinaryPrimitives.ReadUInt64LittleEndian(old[25..])));
        }
        return next;
    }

    private static void Write(Span<byte> span, Entry e)
    {
        // Out of range is a loud failure, never a silently truncated entry; none of these limits is near (the per-piece
        // postage limit is 100,000 mills, a meter's sequence grows by one a transaction).
        if (e.Sequence is < 0 or > UInt48.MaxValue) throw new ArgumentOutOfRangeException(nameof(e), $"sequence {e.Sequence} does not fit the issued ledger");
        if (e.PostageMills is < 0 or > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(e), $"postage {e.PostageMills} mills does not fit the issued ledger");
        var millis = e.PrintedAt.ToUnixTimeMilliseconds();
        if (millis is < 0 or > UInt48.MaxValue) throw new ArgumentOutOfRangeException(nameof(e), $"print time {e.PrintedAt:O} does not fit the issued ledger");
        UInt48.Write(span, e.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(span[6..], (uint)e.PostageMills | (e.Refunded ? RefundedBit : 0));
        UInt48.Write(span[10..], millis);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], e.Digest);
    }

    private static Entry Read(ReadOnlySpan<byte> span)
    {
        var postage = BinaryPrimitives.ReadUInt32LittleEndian(span[6..]);
        return new(UInt48.Read(span), postage & ~RefundedBit, DateTimeOffset.FromUnixTimeMilliseconds(UInt48.Read(span[10..])),
            (postage & RefundedBit) != 0, BinaryPrimitives.ReadUInt64LittleEndian(span[16..]));
    }
}
