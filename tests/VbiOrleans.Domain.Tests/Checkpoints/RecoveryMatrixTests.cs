using VbiOrleans.Domain.Checkpoints;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Domain.Tests.Checkpoints;

public sealed class RecoveryMatrixTests
{
    private static readonly MeterId Meter = MeterId.Parse("m-recovery0001");

    private static Checkpoint At(long sequence) => new(Meter, sequence, TransactionKind.Print, new Mills(330), new Mills(330 * sequence),
        new Mills(10_000 - 330 * sequence), "CM1", DateTimeOffset.UnixEpoch.AddMinutes(sequence), new Mills(10_000), Mills.Zero, Mills.Zero,
        [(byte)sequence, 0xAB]);

    private static readonly IReadOnlyList<Checkpoint> Memory = [At(5), At(6), At(7)];

    [Fact]
    public void Equal_to_the_latest_proceeds() =>
        Assert.Equal(RecoveryAction.Proceed, RecoveryMatrix.Decide(At(7), true, Memory, _ => false).Action);

    [Fact]
    public void Behind_with_the_newer_ones_in_the_log_rolls_forward()
    {
        var d = RecoveryMatrix.Decide(At(5), true, Memory, newer => newer.Count == 2);
        Assert.Equal(RecoveryAction.RollForward, d.Action);
        Assert.Equal([6L, 7L], d.Newer.Select(c => c.Sequence));
    }

    [Fact]
    public void Behind_without_the_newer_ones_in_the_log_rolls_back()
    {
        var d = RecoveryMatrix.Decide(At(6), true, Memory, _ => false);
        Assert.Equal(RecoveryAction.Rollback, d.Action);
        Assert.Equal([7L], d.Newer.Select(c => c.Sequence));
    }

    [Fact]
    public void Matching_nothing_inhibits() =>
        Assert.Equal(RecoveryAction.Inhibit, RecoveryMatrix.Decide(At(3), true, Memory, _ => true).Action);

    [Fact]
    public void Same_sequence_other_content_inhibits() =>
        Assert.Equal(RecoveryAction.Inhibit, RecoveryMatrix.Decide(At(7) with { Descending = new Mills(1) }, true, Memory, _ => true).Action);

    [Fact]
    public void A_bad_mac_inhibits() =>
        Assert.Equal(RecoveryAction.Inhibit, RecoveryMatrix.Decide(At(7), false, Memory, _ => true).Action);

    [Fact]
    public void Memory_lost_or_row_removed_inhibits()
    {
        Assert.Equal(RecoveryAction.Inhibit, RecoveryMatrix.Decide(At(7), true, [], _ => true).Action);
        Assert.Equal(RecoveryAction.Inhibit, RecoveryMatrix.Decide(null, true, Memory, _ => true).Action);
    }

    [Fact]
    public void A_new_meter_proceeds() =>
        Assert.Equal(RecoveryAction.Proceed, RecoveryMatrix.Decide(null, true, [], _ => false).Action);
}
