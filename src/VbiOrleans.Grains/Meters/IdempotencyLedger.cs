using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VbiOrleans.Grains.Meters;

/// <summary>
/// Every idempotency key a meter still answers for, packed 14 bytes each, oldest first: the first 4 bytes of the
/// SHA-256 of the key, the sequence of the transaction the key produced (48 bits), and when (Unix seconds, 32 bits).
/// It decides whether a key is new; the answer is the transaction log's record of that sequence, which holds the
/// key, the request's fingerprint and the result. The hash only finds the record: a retry is answered from the
/// record's own key, so two keys whose hashes collide cost a log read, never a wrong answer.
/// </summary>
/// <remarks>At 64 keys the ledger is 896 bytes, which keeps a meter's row under PostgreSQL's TOAST threshold.</remarks>
public static class IdempotencyLedger
{
    private const int EntrySize = 14;

    public readonly record struct Entry(uint KeyHash, long Sequence, DateTimeOffset At);

    public static uint KeyHashOf(string key)
    {
        // Keys are at most 128 characters (MeterGrain refuses longer ones), so their UTF-8 fits on the stack.
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(key.Length, 128))];
        if (!Encoding.UTF8.TryGetBytes(key, utf8, out var length)) return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    /// <summary>Appends the entry, dropping the oldest so that at most <paramref name="capacity"/> remain.</summary>
    public static byte[] Append(byte[] ledger, Entry entry, int capacity)
    {
        if (entry.Sequence is < 0 or > UInt48.MaxValue) throw new ArgumentOutOfRangeException(nameof(entry), entry.Sequence, "a sequence fits in 48 bits");
        var keep = Math.Min(ledger.Length, (capacity - 1) * EntrySize);
        var next = new byte[keep + EntrySize];
        ledger.AsSpan(ledger.Length - keep).CopyTo(next);
        var span = next.AsSpan(keep);
        BinaryPrimitives.WriteUInt32LittleEndian(span, entry.KeyHash);
        UInt48.Write(span[4..], entry.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(span[10..], checked((uint)entry.At.ToUnixTimeSeconds()));
        return next;
    }

    /// <summary>The entries with this key hash, newest first (more than one only if two keys' hashes collide).</summary>
    public static IReadOnlyList<Entry> Find(byte[] ledger, uint keyHash)
    {
        List<Entry>? found = null;
        for (var at = ledger.Length - EntrySize; at >= 0; at -= EntrySize)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(ledger.AsSpan(at)) == keyHash) (found ??= []).Add(Read(ledger.AsSpan(at, EntrySize)));
        }
        return found ?? (IReadOnlyList<Entry>)[];
    }

    /// <summary>Drops the entries made before <paramref name="oldest"/> (to the second).</summary>
    public static byte[] Prune(byte[] ledger, DateTimeOffset oldest)
    {
        var keepFrom = 0;
        while (keepFrom < ledger.Length && Read(ledger.AsSpan(keepFrom, EntrySize)).At < oldest) keepFrom += EntrySize;
        return keepFrom == 0 ? ledger : ledger[keepFrom..];
    }

    public static int Count(byte[] ledger) => ledger.Length / EntrySize;

    private static Entry Read(ReadOnlySpan<byte> span) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(span),
        UInt48.Read(span[4..]),
        DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32LittleEndian(span[10..])));
}
