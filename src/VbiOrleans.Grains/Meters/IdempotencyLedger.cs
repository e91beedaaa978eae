using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// Every idempotency key a meter still answers for, packed 32 bytes each, oldest first: the first 8 bytes of the
/// SHA-256 of the key and of the serialized result, the sequence of the transaction the key produced, and when (UTC
/// ticks). It decides whether a key is new; the result itself is in the transaction log's record of that sequence
/// (the row keeps only the newest few results). The hashes only find the record: a retry is answered from the
/// record's own key, fingerprint and result, so a collision of 64-bit hashes costs a log read, never a wrong answer.
/// </summary>
public static class IdempotencyLedger
{
    private const int EntrySize = 32;

    public readonly record struct Entry(ulong KeyHash, ulong ResultHash, long Sequence, DateTimeOffset At);

    public static ulong KeyHashOf(string key) => BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static ulong ResultHashOf(ReadOnlySpan<byte> result) => BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(result));

    /// <summary>Appends the entry, dropping the oldest so that at most <paramref name="capacity"/> remain.</summary>
    public static byte[] Append(byte[] ledger, Entry entry, int capacity)
    {
        var keep = Math.Min(ledger.Length, (capacity - 1) * EntrySize);
        var next = new byte[keep + EntrySize];
        ledger.AsSpan(ledger.Length - keep).CopyTo(next);
        var span = next.AsSpan(keep);
        BinaryPrimitives.WriteUInt64LittleEndian(span, entry.KeyHash);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], entry.ResultHash);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], entry.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], entry.At.UtcTicks);
        return next;
    }

    /// <summary>The entries with this key hash, newest first (more than one only if two keys' hashes collide).</summary>
    public static IReadOnlyList<Entry> Find(byte[] ledger, ulong keyHash)
    {
        List<Entry>? found = null;
        for (var at = ledger.Length - EntrySize; at >= 0; at -= EntrySize)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(ledger.AsSpan(at)) == keyHash) (found ??= []).Add(Read(ledger.AsSpan(at, EntrySize)));
        }
        return found ?? (IReadOnlyList<Entry>)[];
    }

    /// <summary>Drops the entries made before <paramref name="oldest"/>.</summary>
    public static byte[] Prune(byte[] ledger, DateTimeOffset oldest)
    {
        var keepFrom = 0;
        while (keepFrom < ledger.Length && Read(ledger.AsSpan(keepFrom, EntrySize)).At < oldest) keepFrom += EntrySize;
        return keepFrom == 0 ? ledger : ledger[keepFrom..];
    }

    public static int Count(byte[] ledger) => ledger.Length / EntrySize;

    private static Entry Read(ReadOnlySpan<byte> span) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(span),
        BinaryPrimitives.ReadUInt64LittleEndian(span[8..]),
        BinaryPrimitives.ReadInt64LittleEndian(span[16..]),
        new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(span[24..]), TimeSpan.Zero));
}
