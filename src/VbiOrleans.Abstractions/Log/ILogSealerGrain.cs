namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// The single writer of the transaction log's Merkle tree (key 0): it seals appended records into entries with
/// leaf indices, signs a checkpoint with the module identity key, and ships segments and checkpoints to the archive.
/// It runs on a timer and is kept alive by a reminder; the calls below run a step now.
/// </summary>
public interface ILogSealerGrain : IGrainWithIntegerKey
{
    Task<LogStatus> Seal();

    /// <summary>Seals, then ships everything sealed to the archive, whatever the interval.</summary>
    Task<LogStatus> Ship();

    Task<LogStatus> Status();
}

[GenerateSerializer, Immutable]
public sealed record LogStatus(
    [property: Id(0)] long Size,
    [property: Id(1)] long Unsealed,
    [property: Id(2)] long Shipped,
    [property: Id(3)] string? Checkpoint,
    [property: Id(4)] string? VerifierKey,
    [property: Id(5)] DateTimeOffset? LastShippedAt,
    [property: Id(6)] string? LastShipError)
{
    /// <summary>Entries committed but not yet in the archive.</summary>
    public long ArchiveLag => Size - Shipped + Unsealed;
}
