namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// Snapshots of the <c>postal</c> and <c>module</c> stores to the archive (key 0): daily on a reminder, or on demand.
/// A snapshot plus the log after it rebuilds the postal store (<c>vbi-admin recover --from-snapshot</c>).
/// </summary>
public interface ISnapshotGrain : IGrainWithIntegerKey
{
    /// <summary>Takes a snapshot now: its manifest, or <c>ValidationFailed</c> in the Local profile (nothing durable to copy).</summary>
    Task<SnapshotTaken> Take();

    /// <summary>Makes sure the daily reminder is registered (its activation does it); takes nothing.</summary>
    Task Schedule();
}

/// <summary>A snapshot taken: its name (the UTC time, yyyyMMddTHHmmssZ) and its manifest as archived (JSON), or why none was taken.</summary>
[GenerateSerializer, Immutable]
public sealed record SnapshotTaken([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] string? Name, [property: Id(3)] byte[]? Manifest)
{
    public bool IsSuccess => Error == ErrorCode.None;
}
