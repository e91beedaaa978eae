namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// The single writer of one transaction log's Merkle tree (key: the log's name, <see cref="LogNames.Home"/> or a
/// module database of the shard map): it seals appended records into entries with leaf indices, signs a checkpoint
/// with the module identity key, and ships segments and checkpoints to the log's place in the archive. It runs on a
/// timer and is kept alive by a reminder; the calls below run a step now.
/// </summary>
public interface ILogSealerGrain : IGrainWithStringKey
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
    [property: Id(6)] string? LastShipError,
    [property: Id(7)] string Log)
{
    /// <summary>Entries committed but not yet in the archive.</summary>
    public long ArchiveLag => Size - Shipped + Unsealed;
}

/// <summary>The transaction logs' names.</summary>
public static class LogNames
{
    /// <summary>The log in the module store's configured database: every meter's without a shard map.</summary>
    public const string Home = "home";
}
