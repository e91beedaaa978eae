namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// Snapshots of the <c>postal</c> and <c>module</c> stores to the archive (key 0): daily on a reminder, or on demand.
/// A snapshot plus the log after it rebuilds the postal store (<c>vbi-admin recover --from-snapshot</c>).
/// </summary>
public interface ISnapshotGrain : IGrainWithIntegerKey
{
    /// <summary>Takes a snapshot now; returns its name (the UTC time, yyyyMMddTHHmmssZ).</summary>
    Task<string> Take();

    /// <summary>Makes sure the daily reminder is registered (its activation does it); takes nothing.</summary>
    Task Schedule();
}
