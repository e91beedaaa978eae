using VbiOrleans.Domain.Checkpoints;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Domain.Tests.Checkpoints;

/// <summary>I5 detection: the one decision every path takes (docs/checkpoint-protocol.md, the recovery matrix).</summary>
public sealed class RecoveryMatrixTests
{
    private static readonly MeterId Meter = MeterId.Parse("m-recovery0001");
    private static readonly MeterId Other = MeterId.Parse("m-recovery0002");

    private static Checkpoint At(long sequence, MeterId? meter = null) => new(meter ?? Meter, sequence, TransactionKind.Print, new Mills(330),
        new Mills(330 * sequence), new Mills(10_000 - 330 * sequence), "CM1", DateTimeOffset.UnixEpoch.AddMinutes(sequence), new Mills(10_000),
        Mills.Zero, Mills.Zero, [(byte)sequence, 0xAB]);

    private static readonly IReadOnlyList<Checkpoint> Memory = [At(5), At(6), At(7)];

    private static RecoveryDecision Decide(Checkpoint? postal, bool macValid = true, IReadOnlyList<Checkpoint>? memory = null, Checkpoint? logReaches = null) =>
        RecoveryMatrix.Decide(Meter, postal, macValid, memory ?? Memory, logReaches);

    [Fact]
    public void Equal_to_the_latest_proceeds_without_asking_for_the_mac()
    {
        Assert.True(RecoveryMatrix.IsCurrent(At(7), Memory));
        // Equal fields and MAC to what this module wrote: the MAC answer is not needed (the caller does not compute it).
        Assert.Equal(RecoveryAction.Proceed, Decide(At(7), macValid: false).Action);
    }

    [Fact]
    public void Behind_with_the_newer_ones_in_the_log_rolls_forward()
    {
        var d = Decide(At(5), logReaches: At(7));
        Assert.Equal(RecoveryAction.RollForward, d.Action);
        Assert.Equal([6L, 7L], d.Newer.Select(c => c.Sequence));
    }

    [Fact]
    public void Behind_with_only_some_newer_ones_in_the_log_rolls_forward_to_where_the_log_ends()
    {
        var d = Decide(At(5), logReaches: At(6));
        Assert.Equal(RecoveryAction.RollForward, d.Action);
        Assert.Equal([6L], d.Newer.Select(c => c.Sequence));
        // Then the next comparison, at 6, rolls 7 back: it never reached the log.
        var next = Decide(At(6), logReaches: At(6));
        Assert.Equal(RecoveryAction.Rollback, next.Action);
        Assert.Equal([7L], next.Newer.Select(c => c.Sequence));
    }

    [Fact]
    public void Behind_without_the_newer_ones_in_the_log_rolls_back()
    {
        var d = Decide(At(6));
        Assert.Equal(RecoveryAction.Rollback, d.Action);
        Assert.Equal([7L], d.Newer.Select(c => c.Sequence));
    }

    [Fact]
    public void Older_than_module_memory_rolls_forward_only_when_the_log_bridges_it()
    {
        Assert.Equal(RecoveryAction.RollForward, Decide(At(2), logReaches: At(7)).Action);
        var d = Decide(At(2));
        Assert.Equal(RecoveryAction.Inhibit, d.Action);
        Assert.Equal(InhibitCause.CheckpointUnknown, d.Cause);
    }

    [Fact]
    public void Same_sequence_other_content_inhibits_however_the_log_looks()
    {
        var d = Decide(At(7) with { Descending = new Mills(1) }, logReaches: At(7));
        Assert.Equal(RecoveryAction.Inhibit, d.Action);
        Assert.Equal(InhibitCause.CheckpointUnknown, d.Cause);
    }

    [Fact]
    public void A_bad_mac_inhibits_even_with_a_log_that_would_bridge()
    {
        var d = Decide(At(5) with { Mac = [1, 2, 3] }, macValid: false, logReaches: At(7));
        Assert.Equal(RecoveryAction.Inhibit, d.Action);
        Assert.Equal(InhibitCause.CheckpointMacInvalid, d.Cause);
        Assert.StartsWith(nameof(InhibitCause.CheckpointMacInvalid), d.Reason);
    }

    [Fact]
    public void Another_meters_checkpoint_inhibits_even_when_it_verifies_and_its_sequence_is_current()
    {
        var d = Decide(At(7, Other), logReaches: At(7));
        Assert.Equal(RecoveryAction.Inhibit, d.Action);
        Assert.Equal(InhibitCause.CheckpointOfAnotherMeter, d.Cause);
        Assert.Contains(Other.Value, d.Reason);
    }

    [Fact]
    public void A_row_that_is_gone_is_rebuilt_from_the_log_or_inhibits()
    {
        Assert.Equal(RecoveryAction.RollForward, Decide(null, logReaches: At(7)).Action);
        var d = Decide(null);
        Assert.Equal(RecoveryAction.Inhibit, d.Action);
        Assert.Equal(InhibitCause.PostalRowMissing, d.Cause);
    }

    [Fact]
    public void A_provision_that_never_reached_the_postal_store_or_the_log_is_rolled_back()
    {
        var d = Decide(null, memory: [At(0)]);
        Assert.Equal(RecoveryAction.Rollback, d.Action);
        Assert.Equal([0L], d.Newer.Select(c => c.Sequence));
        Assert.Equal(RecoveryAction.Inhibit, Decide(null, memory: [At(0), At(1)]).Action);
    }

    [Fact]
    public void Memory_lost_inhibits()
    {
        var d = Decide(At(7), memory: []);
        Assert.Equal(RecoveryAction.Inhibit, d.Action);
        Assert.Equal(InhibitCause.ModuleMemoryEmpty, d.Cause);
    }

    [Fact]
    public void A_new_meter_proceeds() => Assert.Equal(RecoveryAction.Proceed, Decide(null, memory: []).Action);

    [Fact]
    public void A_package_that_does_not_open_for_its_meter_inhibits_and_a_command_error_does_not()
    {
        Assert.Equal(InhibitCause.PackageTampered, RecoveryMatrix.CauseOf(ErrorCode.PackageTampered));
        Assert.Equal(InhibitCause.PackageOfAnotherMeter, RecoveryMatrix.CauseOf(ErrorCode.PackageMeterMismatch));
        Assert.Equal(InhibitCause.PackageCheckpointMismatch, RecoveryMatrix.CauseOf(ErrorCode.CheckpointMismatch));
        Assert.Null(RecoveryMatrix.CauseOf(ErrorCode.InsufficientFunds));
        Assert.Null(RecoveryMatrix.CauseOf(ErrorCode.None));
    }

    [Fact]
    public void Every_decision_over_every_pairing_of_postal_and_memory_inhibits_exactly_when_nothing_vouches_for_the_row()
    {
        // Exhaustive over small worlds: memory of 0 to 3 consecutive checkpoints ending at 7, a postal checkpoint from
        // none, 0 to 8 of this meter (genuine or forged), or another meter's, and the log reaching nothing or any entry.
        for (var depth = 0; depth <= 3; depth++)
        {
            IReadOnlyList<Checkpoint> memory = [.. Enumerable.Range(8 - depth, depth).Select(s => At(s))];
            IEnumerable<(Checkpoint? Postal, bool Mac)> postals = [(null, true), (At(7, Other), true),
                .. Enumerable.Range(0, 9).SelectMany(s => new (Checkpoint?, bool)[] { (At(s), true), (At(s) with { Mac = [9] }, false) })];
            foreach (var (postal, mac) in postals)
            foreach (var reaches in new Checkpoint?[] { null }.Concat(memory))
            {
                var d = RecoveryMatrix.Decide(Meter, postal, mac, memory, reaches);
                var vouched = (postal is null && memory.Count == 0)
                    || (postal is not null && postal.MeterId == Meter && (memory.Any(m => m.SameAs(postal)) && (mac || memory[^1].SameAs(postal))
                        || (mac && memory.Count > 0 && postal.Sequence < memory[0].Sequence && reaches is not null)))
                    || (postal is null && (reaches is not null || memory is [{ Sequence: 0 }]));
                Assert.Equal(!vouched, d.Action == RecoveryAction.Inhibit);
                Assert.Equal(d.Action == RecoveryAction.Inhibit, d.Cause is not null);
                if (d.Action is RecoveryAction.RollForward or RecoveryAction.Rollback) Assert.NotEmpty(d.Newer);
            }
        }
    }
}
