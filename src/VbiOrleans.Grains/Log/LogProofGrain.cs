using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.TransactionLog.Merkle;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// Consistency proofs between signed checkpoints (see <see cref="ILogProofGrain"/>). A stateless worker, so proofs
/// never wait behind the sealer.
/// </summary>
[StatelessWorker]
public sealed class LogProofGrain(TransactionLogs logs, IOptions<LogOptions> options) : Grain, ILogProofGrain
{
    public Task<LogProofResult> Consistency(string log, long from, long to) =>
        logs.Named(log) is { } named
            ? LogProofs.ConsistencyAsync(named.Store, from, to, options.Value.MaxProofLeaves, LogProofs.ReadBatch)
            : Task.FromResult(LogProofResult.Fail(ErrorCode.NotFound, $"there is no transaction log named '{log}'"));
}

/// <summary>
/// How a consistency proof is made from the log store: the older tree from the compact range stored with its
/// checkpoint, the newer leaves hashed from the sealed entries in between, read a batch at a time; nothing before
/// <c>from</c> is read.
/// </summary>
public static class LogProofs
{
    /// <summary>Sealed entries read per query while collecting the leaves between the two sizes.</summary>
    public const int ReadBatch = 10_000;

    public static async Task<LogProofResult> ConsistencyAsync(ILogStore store, long from, long to, long maxLeaves, int readBatch)
    {
        if (from < 0 || to < from)
            return LogProofResult.Fail(ErrorCode.LogProofSizesInvalid, $"from and to are tree sizes with 0 <= from <= to; got from={from}, to={to}");
        if (to - from > maxLeaves)
            return LogProofResult.Fail(ErrorCode.LogProofSizesInvalid,
                $"from and to are at most {maxLeaves} entries apart; prove the way through a checkpoint in between");
        if (to > 0 && await store.CheckpointAsync(to) is null)
            return LogProofResult.Fail(ErrorCode.LogCheckpointNotFound, $"the log signed no checkpoint of size {to}");
        if (from == 0 || from == to) return Proof(from, to, []);
        if (await store.CheckpointAsync(from) is not { } older)
            return LogProofResult.Fail(ErrorCode.LogCheckpointNotFound, $"the log signed no checkpoint of size {from}");

        var appended = new List<byte[]>((int)Math.Min(to - from, readBatch));
        for (var start = from; start < to; start += readBatch)
        {
            var entries = await store.SealedEntriesAsync(start, Math.Min(to, start + readBatch));
            appended.AddRange(entries.Select(e => MerkleTree.LeafHash(e)));
        }
        if (appended.Count != to - from) throw new InvalidOperationException($"the log store holds {appended.Count} of the sealed entries [{from}, {to})");
        return Proof(from, to, MerkleTree.ConsistencyProof(LogSealerGrain.DecodeAccumulator(from, older.Accumulator), appended, to));
    }

    private static LogProofResult Proof(long from, long to, byte[][] hashes) =>
        new(ErrorCode.None, null, new LogConsistencyProof(from, to, [.. hashes.Select(Convert.ToBase64String)]));
}
