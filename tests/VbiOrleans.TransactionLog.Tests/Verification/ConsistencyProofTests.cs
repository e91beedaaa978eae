using System.Security.Cryptography;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Tests.Fixtures;
using VbiOrleans.TransactionLog.Verification;

namespace VbiOrleans.TransactionLog.Tests.Verification;

/// <summary>
/// Consistency proofs as <c>GET /v1/log/proof</c> serves them (built from the older checkpoint's compact range and
/// the entries after it), checked exhaustively over every pair of sizes up to 40 entries against RFC 6962's own
/// recursive definition and RFC 9162's verification; and the checkpoint-level verifier a third party runs.
/// </summary>
public sealed class ConsistencyProofTests
{
    private const int MaxSize = 40;

    private static readonly byte[][] Entries = TestLog.Entries(MaxSize, seed: 17);
    private static readonly List<byte[]> Leaves = [.. Entries.Select(e => MerkleTree.LeafHash(e))];

    private static byte[] Root(int size) => MerkleTree.RootHash(Leaves.Take(size).ToList());

    private static byte[][] ServedProof(int from, int to)
    {
        var older = new MerkleAccumulator();
        foreach (var leaf in Leaves.Take(from)) older.Append(leaf);
        return MerkleTree.ConsistencyProof(older, Leaves.Skip(from).Take(to - from).ToList(), to);
    }

    private static byte[] Flip(byte[] hash, int bit)
    {
        var copy = (byte[])hash.Clone();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    [Fact]
    public void Every_proof_up_to_40_entries_is_RFC_6962s_and_verifies_and_every_tampered_one_fails()
    {
        var checkedPairs = 0;
        for (var to = 0; to <= MaxSize; to++)
        {
            for (var from = 0; from <= to; from++)
            {
                var proof = ServedProof(from, to);
                var expected = from == 0 ? [] : Rfc6962Reference.Proof(from, Entries.Take(to).ToList());
                Assert.Equal(expected, proof);
                Assert.Equal(proof, MerkleTree.ConsistencyProof(Leaves, from, to));
                var (oldRoot, newRoot) = (Root(from), Root(to));
                Assert.True(MerkleTree.VerifyConsistency(from, to, oldRoot, newRoot, proof), $"{from} to {to}");

                for (var i = 0; i < proof.Length; i++)
                {
                    foreach (var bit in new[] { 0, 131, 255 })
                    {
                        var tampered = proof.ToArray();
                        tampered[i] = Flip(tampered[i], bit);
                        Assert.False(MerkleTree.VerifyConsistency(from, to, oldRoot, newRoot, tampered), $"{from} to {to}: hash {i} bit {bit}");
                    }
                }
                if (proof.Length > 0)
                {
                    Assert.False(MerkleTree.VerifyConsistency(from, to, oldRoot, newRoot, proof[..^1]), $"{from} to {to}: short");
                    Assert.False(MerkleTree.VerifyConsistency(from, to, oldRoot, newRoot, [.. proof, proof[0]]), $"{from} to {to}: long");
                }
                if (proof.Length > 1 && !proof[0].AsSpan().SequenceEqual(proof[1]))
                    Assert.False(MerkleTree.VerifyConsistency(from, to, oldRoot, newRoot, [proof[1], proof[0], .. proof[2..]]), $"{from} to {to}: reordered");
                if (from < to)
                {
                    Assert.False(MerkleTree.VerifyConsistency(from, to, Flip(oldRoot, 7), newRoot, proof), $"{from} to {to}: old root");
                    if (from > 0) Assert.False(MerkleTree.VerifyConsistency(from, to, oldRoot, Flip(newRoot, 7), proof), $"{from} to {to}: new root");
                    // The same proof never joins the older tree to a tree whose history was rewritten.
                    if (from > 0)
                    {
                        var rewritten = Leaves.Take(to).ToList();
                        rewritten[from - 1] = MerkleTree.LeafHash([.. Entries[from - 1], 0xFF]);
                        Assert.False(MerkleTree.VerifyConsistency(from, to, oldRoot, MerkleTree.RootHash(rewritten), proof), $"{from} to {to}: fork");
                    }
                }
                checkedPairs++;
            }
        }
        Assert.Equal((MaxSize + 1) * (MaxSize + 2) / 2, checkedPairs);
    }

    [Fact]
    public async Task Two_signed_checkpoints_and_the_proof_between_them_verify_as_a_third_party_would()
    {
        var older = TestLog.Checkpoint(Entries, 13);
        var newer = TestLog.Checkpoint(Entries, 37);
        var proof = ServedProof(13, 37).Select(Convert.ToBase64String).ToList();

        var verified = CheckpointConsistency.Verify(older, newer, TestLog.Verifier, proof);
        Assert.True(verified.IsSuccess, verified.Error?.ToString());
        Assert.Equal(37, verified.Value.Size);

        var tampered = proof.ToList();
        tampered[1] = Convert.ToBase64String(Flip(Convert.FromBase64String(tampered[1]), 3));
        Assert.Equal(LogErrorCode.Inconsistent, CheckpointConsistency.Verify(older, newer, TestLog.Verifier, tampered).Error?.Code);
        Assert.Equal(LogErrorCode.InvalidField, CheckpointConsistency.Verify(newer, older, TestLog.Verifier, proof).Error?.Code);
        Assert.Equal(LogErrorCode.MalformedText, CheckpointConsistency.Verify(older, newer, TestLog.Verifier, [.. proof[1..], "not base64"]).Error?.Code);

        // A checkpoint of a rewritten history, signed by the same key, is caught by the proof the log can make for it.
        var forked = Entries.ToArray();
        forked[5] = [.. forked[5], 0x01];
        var forkedNewer = TestLog.Checkpoint(forked, 37);
        var forkedLeaves = forked.Select(e => MerkleTree.LeafHash(e)).ToList();
        var forkedProof = MerkleTree.ConsistencyProof(forkedLeaves, 13, 37);
        Assert.Equal(LogErrorCode.Inconsistent, CheckpointConsistency.Verify(older, forkedNewer, TestLog.Verifier, forkedProof).Error?.Code);

        // Signed by another key, or of another log: refused before the proof is looked at.
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var stranger = TestLog.Checkpoint(Entries, 37, new EcdsaNoteSigner(TestLog.Origin, otherKey));
        Assert.Equal(LogErrorCode.NoKnownSignature, CheckpointConsistency.Verify(older, stranger, TestLog.Verifier, proof).Error?.Code);
        var otherLog = (await new Checkpoint("other.example/log", 37, Root(37)).SignAsync(TestLog.Signer)).Encode();
        Assert.Equal(LogErrorCode.InvalidField, CheckpointConsistency.Verify(older, otherLog, TestLog.Verifier, proof).Error?.Code);
    }
}
