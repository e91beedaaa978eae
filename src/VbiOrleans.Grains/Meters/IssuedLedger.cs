using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// The format in which meter rows listed the indicia they issued inside the refund window, before the transaction log
/// answered for them (<see cref="RefundLedger"/>): a row of this format is upgraded when its meter activates. Packed 24
/// bytes each, oldest first:
/// the sequence (48 bits), the postage in mills (31 bits) with the refunded flag in the top bit, the print time in
/// whole milliseconds since 1970 UTC (48 bits), and the first 8 bytes of the SHA-256 of the signed indicium. The meter's
/// row is rewritten on every command and this is most of it, so it is one byte array to copy rather than a list of
/// objects to serialize, and no wider than it needs to be. The digest lets verification find an indicium from the
/// bytes a scanner read.
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

    public static Entry? Find(byte[] ledger, long sequence) => IndexOf(ledger, sequence) is { } at ? Read(ledger.AsSpan(at, EntrySize)) : null;

    /// <summary>The entry whose indicium has this digest, or null (a linear scan: verification is not the hot path).</summary>
    public static Entry? FindByDigest(byte[] ledger, ulong digest)
    {
        for (var at = 0; at < ledger.Length; at += EntrySize)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(ledger.AsSpan(at + 16)) == digest) return Read(ledger.AsSpan(at, EntrySize));
        }
        return null;
    }

    public static byte[] MarkRefunded(byte[] ledger, long sequence)
    {
        var next = (byte[])ledger.Clone();
        if (IndexOf(next, sequence) is { } at)
        {
            var field = next.AsSpan(at + 6, 4);
            BinaryPrimitives.WriteUInt32LittleEndian(field, BinaryPrimitives.ReadUInt32LittleEndian(field) | RefundedBit);
        }
        return next;
    }

    /// <summary>Drops the entries printed before <paramref name="oldest"/>; they can no longer be refunded.</summary>
    public static byte[] Prune(byte[] ledger, DateTimeOffset oldest)
    {
        var keepFrom = 0;
        while (keepFrom < ledger.Length && Read(ledger.AsSpan(keepFrom, EntrySize)).PrintedAt < oldest) keepFrom += EntrySize;
        return keepFrom == 0 ? ledger : ledger[keepFrom..];
    }

    public static int Count(byte[] ledger) => ledger.Length / EntrySize;

    /// <summary>The entry at <paramref name="index"/>, oldest first.</summary>
    public static Entry At(byte[] ledger, int index) => Read(ledger.AsSpan(index * EntrySize, EntrySize));

    /// <summary>When the oldest entry still held was printed, or null for an empty ledger.</summary>
    public static DateTimeOffset? OldestPrintedAt(byte[] ledger) => ledger.Length == 0 ? null : Read(ledger.AsSpan(0, EntrySize)).PrintedAt;

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

    /// <summary>The offset of the entry with this sequence, or null. Sequences are appended in increasing order: binary search.</summary>
    private static int? IndexOf(byte[] ledger, long sequence)
    {
        int low = 0, high = ledger.Length / EntrySize - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var found = UInt48.Read(ledger.AsSpan(mid * EntrySize));
            if (found == sequence) return mid * EntrySize;
            if (found < sequence) low = mid + 1; else high = mid - 1;
        }
        return null;
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
