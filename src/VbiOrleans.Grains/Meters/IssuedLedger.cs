using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// The indicia a meter issued that are still inside the refund window, packed 33 bytes each (sequence, postage in
/// mills, print time in UTC ticks, refunded flag, and the first 8 bytes of the SHA-256 of the signed indicium),
/// oldest first. The meter's row is rewritten on every command, so this is one byte array to copy rather than a list
/// of objects to serialize. The digest lets verification find an indicium from the bytes a scanner read.
/// </summary>
public static class IssuedLedger
{
    private const int EntrySize = 33;

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

    public static Entry? Find(byte[] ledger, long sequence)
    {
        // Sequences are appended in increasing order: binary search.
        int low = 0, high = ledger.Length / EntrySize - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var entry = Read(ledger.AsSpan(mid * EntrySize, EntrySize));
            if (entry.Sequence == sequence) return entry;
            if (entry.Sequence < sequence) low = mid + 1; else high = mid - 1;
        }
        return null;
    }

    /// <summary>The entry whose indicium has this digest, or null (a linear scan: verification is not the hot path).</summary>
    public static Entry? FindByDigest(byte[] ledger, ulong digest)
    {
        for (var at = 0; at < ledger.Length; at += EntrySize)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(ledger.AsSpan(at + 25)) == digest) return Read(ledger.AsSpan(at, EntrySize));
        }
        return null;
    }

    public static byte[] MarkRefunded(byte[] ledger, long sequence)
    {
        var next = (byte[])ledger.Clone();
        for (var at = 0; at < next.Length; at += EntrySize)
        {
            if (BinaryPrimitives.ReadInt64LittleEndian(next.AsSpan(at)) == sequence) next[at + 24] = 1;
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

    /// <summary>When the oldest entry still held was printed, or null for an empty ledger.</summary>
    public static DateTimeOffset? OldestPrintedAt(byte[] ledger) => ledger.Length == 0 ? null : Read(ledger.AsSpan(0, EntrySize)).PrintedAt;

    private static void Write(Span<byte> span, Entry e)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, e.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], e.PostageMills);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], e.PrintedAt.UtcTicks);
        span[24] = e.Refunded ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt64LittleEndian(span[25..], e.Digest);
    }

    private static Entry Read(ReadOnlySpan<byte> span) => new(
        BinaryPrimitives.ReadInt64LittleEndian(span),
        BinaryPrimitives.ReadInt64LittleEndian(span[8..]),
        new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(span[16..]), TimeSpan.Zero),
        span[24] == 1,
        BinaryPrimitives.ReadUInt64LittleEndian(span[25..]));
}
