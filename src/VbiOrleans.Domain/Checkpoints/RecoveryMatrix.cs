namespace VbiOrleans.Domain.Checkpoints;

public enum RecoveryAction
{
    /// <summary>The postal store's checkpoint is the latest in module memory.</summary>
    Proceed = 1,
    /// <summary>The postal store is behind and the newer transactions are in the log: replay them, then proceed.</summary>
    RollForward = 2,
    /// <summary>The postal store is behind and the newer transactions are not in the log (a crash between module memory and postal write): they were never released; drop them from module memory, record it, proceed.</summary>
    Rollback = 3,
    /// <summary>The postal store's checkpoint matches nothing in module memory, or fails its MAC: swapped, edited, or memory lost.</summary>
    Inhibit = 4,
}

/// <summary>What the module decided, and the module-memory checkpoints newer than the postal store's.</summary>
public sealed record RecoveryDecision(RecoveryAction Action, IReadOnlyList<Checkpoint> Newer, string Reason);

/// <summary>
/// The recovery matrix of docs/checkpoint-protocol.md: what a crypto module does when it compares the postal
/// store's checkpoint with module memory before every command.
/// </summary>
public static class RecoveryMatrix
{
    /// <param name="postal">The checkpoint the postal store holds for the meter (null: none).</param>
    /// <param name="postalMacValid">Whether that checkpoint's MAC verified under the checkpoint MAC key.</param>
    /// <param name="memory">Module memory for the meter, oldest first (at most K entries).</param>
    /// <param name="inLog">Whether the given newer checkpoints are all in the transaction log.</param>
    public static RecoveryDecision Decide(Checkpoint? postal, bool postalMacValid, IReadOnlyList<Checkpoint> memory, Func<IReadOnlyList<Checkpoint>, bool> inLog)
    {
        if (postal is null && memory.Count == 0) return new(RecoveryAction.Proceed, [], "a new meter: no checkpoint yet on either side");
        if (postal is null) return new(RecoveryAction.Inhibit, [], "the postal store has no checkpoint but module memory has; the meter's row was removed or replaced");
        if (!postalMacValid) return new(RecoveryAction.Inhibit, [], $"the postal store's checkpoint {postal.Sequence} fails its MAC; it was edited");
        if (memory.Count == 0) return new(RecoveryAction.Inhibit, [], "module memory holds nothing for this meter; it was lost or the row belongs elsewhere");

        var latest = memory[^1];
        if (latest.SameAs(postal)) return new(RecoveryAction.Proceed, [], "the postal store is current");

        for (var i = memory.Count - 2; i >= 0; i--)
        {
            if (!memory[i].SameAs(postal)) continue;
            var newer = memory.Skip(i + 1).ToList();
            return inLog(newer)
                ? new(RecoveryAction.RollForward, newer, $"the postal store is at {postal.Sequence}, module memory at {latest.Sequence}; the log holds the rest")
                : new(RecoveryAction.Rollback, newer, $"the postal store is at {postal.Sequence}, module memory at {latest.Sequence}; the newer transactions were never made durable");
        }
        return new(RecoveryAction.Inhibit, [],
            $"the postal store's checkpoint {postal.Sequence} matches none of module memory's ({string.Join(", ", memory.Select(m => m.Sequence))}); the store was swapped, edited or restored from too long ago");
    }
}
