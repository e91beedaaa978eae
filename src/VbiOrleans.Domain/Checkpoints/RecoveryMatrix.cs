using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Domain.Checkpoints;

public enum RecoveryAction
{
    /// <summary>The postal store's checkpoint is the latest in module memory.</summary>
    Proceed = 1,
    /// <summary>The postal store is behind and the newer transactions are in the log: replay them, then proceed.</summary>
    RollForward = 2,
    /// <summary>The postal store is behind and the newer transactions are not in the log (a crash between module memory and postal write): they were never released; drop them from module memory, record it, proceed.</summary>
    Rollback = 3,
    /// <summary>The postal row is not this meter's genuine row, or module memory cannot vouch for it: swapped, edited, or memory lost.</summary>
    Inhibit = 4,
}

/// <summary>
/// Why a meter was inhibited: the <c>reason</c> tag of the <c>vbi.meters.inhibited</c> metric and the first word of
/// the inhibit reason. Names are stable.
/// </summary>
public enum InhibitCause
{
    /// <summary>The postal checkpoint does not verify under the checkpoint MAC key: it was edited.</summary>
    CheckpointMacInvalid = 1,
    /// <summary>The postal checkpoint is another meter's: rows were swapped or copied.</summary>
    CheckpointOfAnotherMeter = 2,
    /// <summary>A genuine checkpoint of this meter that matches none of module memory and that the log cannot bridge.</summary>
    CheckpointUnknown = 3,
    /// <summary>The postal row is gone and the log cannot rebuild it.</summary>
    PostalRowMissing = 4,
    /// <summary>Module memory holds nothing for a meter the postal store has: memory lost, or the row belongs elsewhere.</summary>
    ModuleMemoryEmpty = 5,
    /// <summary>The package does not authenticate under its data key (edited), or its data key token does not unwrap.</summary>
    PackageTampered = 6,
    /// <summary>The package names another meter.</summary>
    PackageOfAnotherMeter = 7,
    /// <summary>The package and the checkpoint beside it describe different states.</summary>
    PackageCheckpointMismatch = 8,
}

/// <summary>What the module decided, the module-memory checkpoints it concerns, and for an inhibit its cause.</summary>
public sealed record RecoveryDecision(RecoveryAction Action, IReadOnlyList<Checkpoint> Newer, string Reason, InhibitCause? Cause = null)
{
    internal static RecoveryDecision Inhibit(InhibitCause cause, string reason) => new(RecoveryAction.Inhibit, [], $"{cause}: {reason}", cause);
}

/// <summary>
/// The recovery matrix of docs/checkpoint-protocol.md, decided in this one place for every path (commands, the client
/// protocol, reads, reconcile): what a crypto module does when it compares the postal store's checkpoint with module
/// memory, and what a package that does not open means.
/// </summary>
public static class RecoveryMatrix
{
    /// <summary>
    /// The common case, decided without any crypto: the postal checkpoint is module memory's latest (fields and MAC
    /// equal, so the MAC is the one this module wrote).
    /// </summary>
    public static bool IsCurrent(Checkpoint? postal, IReadOnlyList<Checkpoint> memory) => IsCurrent(postal, memory.Count > 0 ? memory[^1] : null);

    /// <inheritdoc cref="IsCurrent(Checkpoint?, IReadOnlyList{Checkpoint})"/>
    public static bool IsCurrent(Checkpoint? postal, Checkpoint? latest) => postal is not null && latest is not null && latest.SameAs(postal);

    /// <param name="meter">The meter whose row this is.</param>
    /// <param name="postal">The checkpoint the postal store holds for the meter (null: the row is gone or new).</param>
    /// <param name="postalMacValid">Whether that checkpoint's MAC verified under the checkpoint MAC key (not asked when it is current).</param>
    /// <param name="memory">Module memory for the meter, oldest first (at most K entries).</param>
    /// <param name="logReaches">
    /// The furthest module-memory checkpoint the transaction log reaches from <paramref name="postal"/> without a gap
    /// (from the provision record when <paramref name="postal"/> is null); null if the log does not reach one.
    /// </param>
    public static RecoveryDecision Decide(MeterId meter, Checkpoint? postal, bool postalMacValid, IReadOnlyList<Checkpoint> memory, Checkpoint? logReaches)
    {
        if (postal is null && memory.Count == 0) return new(RecoveryAction.Proceed, [], "a new meter: no checkpoint yet on either side");
        if (postal is not null && postal.MeterId != meter)
            return RecoveryDecision.Inhibit(InhibitCause.CheckpointOfAnotherMeter, $"meter {meter}'s postal row holds meter {postal.MeterId}'s checkpoint {postal.Sequence}; the rows were swapped or copied");
        if (IsCurrent(postal, memory)) return new(RecoveryAction.Proceed, [], "the postal store is current");
        if (postal is not null && !postalMacValid)
            return RecoveryDecision.Inhibit(InhibitCause.CheckpointMacInvalid, $"the postal store's checkpoint {postal.Sequence} fails its MAC; it was edited");
        if (memory.Count == 0)
            return RecoveryDecision.Inhibit(InhibitCause.ModuleMemoryEmpty, "module memory holds nothing for this meter; it was lost or the row belongs elsewhere");

        var latest = memory[^1];
        var reached = logReaches is null ? -1 : IndexOf(memory, logReaches);
        if (postal is null)
        {
            // Only a provision whose postal write never happened leaves module memory with nothing but sequence 0 and
            // a log without it: never released, so rolled back, and provisioning runs again.
            if (reached < 0 && memory is [{ Sequence: 0 }])
                return new(RecoveryAction.Rollback, memory, "the meter's provision never reached the postal store or the log");
            return reached >= 0
                ? new(RecoveryAction.RollForward, memory.Take(reached + 1).ToList(), $"the postal row is gone; the log rebuilds it to {logReaches!.Sequence}")
                : RecoveryDecision.Inhibit(InhibitCause.PostalRowMissing, "the postal store has no row for this meter, and the log cannot rebuild it");
        }

        var at = IndexOf(memory, postal);
        if (at >= 0 && reached > at)
            return new(RecoveryAction.RollForward, memory.Skip(at + 1).Take(reached - at).ToList(),
                $"the postal store is at {postal.Sequence}, module memory at {latest.Sequence}; the log holds the newer transactions to {logReaches!.Sequence}");
        if (at >= 0)
            return new(RecoveryAction.Rollback, memory.Skip(at + 1).ToList(),
                $"the postal store is at {postal.Sequence}, module memory at {latest.Sequence}; the newer transactions were never made durable");
        // Older than all of module memory: a genuine checkpoint of this meter, restored from long ago. Only the log
        // vouches for the transactions between it and module memory.
        if (postal.Sequence < memory[0].Sequence && reached >= 0)
            return new(RecoveryAction.RollForward, memory.Take(reached + 1).ToList(),
                $"the postal store is at {postal.Sequence}, older than module memory ({memory[0].Sequence} to {latest.Sequence}); the log bridges it");
        return RecoveryDecision.Inhibit(InhibitCause.CheckpointUnknown,
            $"the postal store's checkpoint {postal.Sequence} matches none of module memory's ({string.Join(", ", memory.Select(m => m.Sequence))}) and the log does not bridge it; the store was swapped, edited or restored from too long ago");
    }

    /// <summary>
    /// What a package that does not open for its meter means: an inhibit cause for a package that fails its
    /// authentication, names another meter or disagrees with its checkpoint; null for any other refusal (the command's
    /// own error, which changes nothing).
    /// </summary>
    public static InhibitCause? CauseOf(ErrorCode packageError) => packageError switch
    {
        ErrorCode.PackageTampered => InhibitCause.PackageTampered,
        ErrorCode.PackageMeterMismatch => InhibitCause.PackageOfAnotherMeter,
        ErrorCode.CheckpointMismatch => InhibitCause.PackageCheckpointMismatch,
        _ => null,
    };

    private static int IndexOf(IReadOnlyList<Checkpoint> memory, Checkpoint checkpoint)
    {
        for (var i = memory.Count - 1; i >= 0; i--)
        {
            if (memory[i].SameAs(checkpoint)) return i;
        }
        return -1;
    }
}
