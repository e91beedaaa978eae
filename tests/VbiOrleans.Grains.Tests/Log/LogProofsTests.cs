using VbiOrleans.Abstractions.Log;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using VbiOrleans.Grains.Log;
using VbiOrleans.TransactionLog.Merkle;

namespace VbiOrleans.Grains.Tests.Log;

/// <summary>
/// Consistency proofs made from a log store as the sealer leaves it (entries, and a checkpoint with its compact range
/// at each seal), read in batches smaller than the spans so that every batch boundary is crossed: every pair of
/// checkpoint sizes gets a proof that verifies against the two roots, and bad sizes get their named refusals.
/// </summary>
public sealed class LogProofsTests
{
    private static readonly long[] SealSizes = [3, 10, 17, 32, 40];

    private static async Task<(MemoryLogStore Store, Dictionary<long, byte[]> Roots)> SealedLogAsync()
    {
        var store = new MemoryLogStore();
        var roots = new Dictionary<long, byte[]> { [0] = MerkleTree.EmptyRoot };
        var tree = new MerkleAccumulator();
        var random = new Random(40);
        long sealedSize = 0;
        foreach (var size in SealSizes)
        {
            var count = (int)(size - sealedSize);
            await store.AppendAsync([.. Enumerable.Range(0, count).Select(i =>
                new PendingLogRow("m-1", sealedSize + i + 1, 2, 630, 0, 0, DateTimeOffset.UnixEpoch, "M1", [], [1]))]);
            var taken = await store.TakeUnsealedAsync(count);
            var rows = new List<SealedLogRow>();
            foreach (var row in taken)
            {
                var entry = new byte[20 + random.Next(40)];
                random.NextBytes(entry);
                var leaf = MerkleTree.LeafHash(entry);
                tree.Append(leaf);
                rows.Add(new SealedLogRow(row.Id, row.Id, entry, leaf));
            }
            roots[size] = tree.RootHash();
            await store.SealAsync(rows, new StoredCheckpoint(size, roots[size], $"note {size}", LogSealerGrain.EncodeAccumulator(tree)));
            sealedSize = size;
        }
        return (store, roots);
    }

    [Fact]
    public async Task Every_pair_of_checkpoints_gets_a_proof_that_verifies_against_their_roots()
    {
        var (store, roots) = await SealedLogAsync();
        var sizes = roots.Keys.Order().ToList();
        foreach (var from in sizes)
        {
            foreach (var to in sizes.Where(s => s >= from))
            {
                var result = await LogProofs.ConsistencyAsync(store, from, to, maxLeaves: 1_000, readBatch: 4);
                Assert.True(result.IsSuccess, $"{from} to {to}: {result.Message}");
                Assert.Equal((from, to), (result.Proof!.From, result.Proof.To));
                var proof = result.Proof.Proof.Select(Convert.FromBase64String).ToList();
                Assert.True(MerkleTree.VerifyConsistency(from, to, roots[from], roots[to], proof), $"{from} to {to}");
                if (from > 0 && from < to)
                    Assert.False(MerkleTree.VerifyConsistency(from, to, roots[sizes[sizes.IndexOf(from) - 1]], roots[to], proof), $"{from} to {to}, older root");
            }
        }
    }

    [Fact]
    public async Task Bad_sizes_are_refused_by_name()
    {
        var (store, _) = await SealedLogAsync();
        async Task<ErrorCode> Error(long from, long to, long max = 1_000) => (await LogProofs.ConsistencyAsync(store, from, to, max, readBatch: 4)).Error;

        Assert.Equal(ErrorCode.LogProofSizesInvalid, await Error(17, 10));
        Assert.Equal(ErrorCode.LogProofSizesInvalid, await Error(-1, 10));
        Assert.Equal(ErrorCode.LogProofSizesInvalid, await Error(3, 40, max: 36));
        Assert.Equal(ErrorCode.None, await Error(3, 40, max: 37));
        Assert.Equal(ErrorCode.LogCheckpointNotFound, await Error(3, 11));
        Assert.Equal(ErrorCode.LogCheckpointNotFound, await Error(4, 40));
        Assert.Equal(ErrorCode.LogCheckpointNotFound, await Error(40, 41));
        Assert.Equal(ErrorCode.None, await Error(0, 0));
    }
}
