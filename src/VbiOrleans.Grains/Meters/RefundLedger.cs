namespace VbiOrleans.Grains.Meters;

/// <summary>
/// The indicia a meter refunded that could still be presented again, packed 12 bytes each in the order they were
/// recorded: the sequence of the print (48 bits) and a time in whole milliseconds since 1970 UTC (48 bits) no earlier
/// than the print. An entry is dropped once that time is older than the refund window, when its print can no longer
/// be refunded anyway. What a meter issued is not kept here: the transaction log holds every print, so the row grows
/// with refunds, which are rare, and not with prints.
/// </summary>
public static class RefundLedger
{
    private const int EntrySize = 12;

    public static byte[] Append(byte[] ledger, long sequence, DateTimeOffset at)
    {
        var millis = at.ToUnixTimeMilliseconds();
        // Out of range is a loud failure, never a silently truncated entry.
        if (sequence is < 0 or > UInt48.MaxValue) throw new ArgumentOutOfRangeException(nameof(sequence), $"sequence {sequence} does not fit the refund ledger");
        if (millis is < 0 or > UInt48.MaxValue) throw new ArgumentOutOfRangeException(nameof(at), $"time {at:O} does not fit the refund ledger");
        var next = new byte[ledger.Length + EntrySize];
        ledger.CopyTo(next, 0);
        UInt48.Write(next.AsSpan(ledger.Length), sequence);
        UInt48.Write(next.AsSpan(ledger.Length + 6), millis);
        return next;
    }

    public static bool Contains(byte[] ledger, long sequence)
    {
        for (var at = 0; at < ledger.Length; at += EntrySize)
        {
            if (UInt48.Read(ledger.AsSpan(at)) == sequence) return true;
        }
        return false;
    }

    /// <summary>Drops the leading entries whose time is before <paramref name="oldest"/>.</summary>
    public static byte[] Prune(byte[] ledger, DateTimeOffset oldest)
    {
        var limit = oldest.ToUnixTimeMilliseconds();
        var keepFrom = 0;
        while (keepFrom < ledger.Length && UInt48.Read(ledger.AsSpan(keepFrom + 6)) < limit) keepFrom += EntrySize;
        return keepFrom == 0 ? ledger : ledger[keepFrom..];
    }

    public static int Count(byte[] ledger) => ledger.Length / EntrySize;
}
