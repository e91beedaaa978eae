namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// Consistency proofs between a log's signed checkpoints (a stateless worker, key 0): what lets a third party that
/// kept an earlier checkpoint check that the log only grew, without holding the archive.
/// </summary>
public interface ILogProofGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The RFC 6962 / RFC 9162 consistency proof, in the log named <paramref name="log"/> (<see cref="LogNames.Home"/>
    /// or a module database of the shard map; <c>NotFound</c> for another name), from the tree of <paramref name="from"/>
    /// entries to the tree of <paramref name="to"/> entries. Both must be sizes the log signed a checkpoint for (0 is the empty tree, a prefix
    /// of every tree); refused with <c>LogProofSizesInvalid</c> unless 0 &lt;= from &lt;= to and the span is within
    /// <c>Vbi:Log:MaxProofLeaves</c>, with <c>LogCheckpointNotFound</c> for a size without a checkpoint.
    /// </summary>
    Task<LogProofResult> Consistency(string log, long from, long to);
}

/// <summary>A consistency proof: the hashes, standard base64 of 32 bytes each, in RFC 9162 order.</summary>
[GenerateSerializer, Immutable]
public sealed record LogConsistencyProof([property: Id(0)] long From, [property: Id(1)] long To, [property: Id(2)] IReadOnlyList<string> Proof);

[GenerateSerializer, Immutable]
public sealed record LogProofResult([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] LogConsistencyProof? Proof)
{
    public bool IsSuccess => Error == ErrorCode.None;
    public static LogProofResult Fail(ErrorCode error, string message) => new(error, message, null);
}
