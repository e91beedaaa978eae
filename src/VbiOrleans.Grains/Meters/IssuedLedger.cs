using System.Buffers.Binary;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// The indicia a meter issued that are still inside the refund window, packed 25 bytes each (sequence, postage in
/// mills, print time in UTC ticks, refunded flag), oldest first. The meter's row is rewritten on every command, so
/// this is one byte array to copy rather than a list of objects to serialize.
/// </summary>
public static class IssuedLedger
{
    private const int EntrySize = 25;

    public readonly record struct Entry(long Sequence, long PostageMills, DateTimeOffset PrintedAt, bool Refunded);

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

    public static byte[] MarkRefunded(byte[] ledger, long sequence)
    {
        var next = (byte[])ledger.Clone();
        for (var at = 0; at < next.Length; at += EntrySize)
        {
            if (BinaryPrimitives.ReadInt64LittleEndian(next.AsSpan(at)) == sequence) next[at + EntrySize - 1] = 1;
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

    private static void Write(Span<byte> span, Entry e)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, e.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], e.PostageMills);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], e.PrintedAt.UtcTicks);
        span[24] = e.Refunded ? (byte)1 : (byte)0;
    }

    private static Entry Read(ReadOnlySpan<byte> span) => new(
        BinaryPrimitives.ReadInt64LittleEndian(span),
        BinaryPrimitives.ReadInt64LittleEndian(span[8..]),
        new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(span[16..]), TimeSpan.Zero),
        span[24] == 1);
}
