using VbiOrleans.Grains.Meters;

namespace VbiOrleans.Grains.Tests.Meters;

public sealed class RefundLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Entries_are_found_by_sequence_and_dropped_only_once_their_time_is_before_the_cut()
    {
        var ledger = Array.Empty<byte>();
        long[] sequences = [17, 3, 250_000_000_000, 40];
        for (var i = 0; i < sequences.Length; i++) ledger = RefundLedger.Append(ledger, sequences[i], T0.AddDays(i));

        Assert.Equal(4, RefundLedger.Count(ledger));
        Assert.All(sequences, s => Assert.True(RefundLedger.Contains(ledger, s)));
        Assert.False(RefundLedger.Contains(ledger, 18));

        var pruned = RefundLedger.Prune(ledger, T0.AddDays(2));
        Assert.Equal(2, RefundLedger.Count(pruned));
        Assert.False(RefundLedger.Contains(pruned, 17));
        Assert.False(RefundLedger.Contains(pruned, 3));
        Assert.True(RefundLedger.Contains(pruned, 250_000_000_000));
        Assert.Same(ledger, RefundLedger.Prune(ledger, T0.AddMinutes(-1)));
    }

    [Fact]
    public void Out_of_range_values_are_refused_rather_than_truncated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RefundLedger.Append([], 1L << 48, T0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RefundLedger.Append([], -1, T0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RefundLedger.Append([], 1, DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }
}
