using CsCheck;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Tests.Fixtures;

namespace VbiOrleans.TransactionLog.Tests.Merkle;

/// <summary>Every proof the library makes verifies, and any proof, root, leaf, index or size that differs does not.</summary>
public class MerklePropertyTests
{
    // Each entry starts with its position, so no two leaves are equal (equal leaves make some proofs valid for
    // more than one index, rightly).
    private static readonly Gen<byte[][]> Entries =
        Gen.Byte.Array[0, 12].Array[1, 70].Select(a => a.Select((e, i) => (byte[])[(byte)i, .. e]).ToArray());

    private static List<byte[]> Hashes(byte[][] entries) => entries.Select(e => MerkleTree.LeafHash(e)).ToList();

    private static byte[] FlipBit(byte[] bytes, int bit)
    {
        var copy = (byte[])bytes.Clone();
        copy[bit / 8 % copy.Length] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    [Fact]
    public void AccumulatorAndProofsAgreeWithTheRfcDefinitions()
    {
        Entries.Sample(entries =>
        {
            var hashes = Hashes(entries);
            var accumulator = new MerkleAccumulator();
            for (var n = 1; n <= entries.Length; n++)
            {
                accumulator.Append(hashes[n - 1]);
                var prefix = entries.Take(n).ToList();
                Assert.Equal(Rfc6962Reference.Mth(prefix), accumulator.RootHash());
                Assert.Equal(accumulator.Size, n);
            }
            var m = entries.Length / 2;
            var all = entries.ToList();
            Assert.Equal(Rfc6962Reference.Path(m, all), MerkleTree.InclusionProof(hashes, m, entries.Length));
            Assert.Equal(Rfc6962Reference.Proof(Math.Max(m, 1), all), MerkleTree.ConsistencyProof(hashes, Math.Max(m, 1), entries.Length));
        }, iter: 60);
    }

    [Fact]
    public void EveryInclusionProofVerifiesAndAnyFlippedBitFails()
    {
        Gen.Select(Entries, Gen.Int, Gen.Int[0, 255]).Sample((entries, pick, bit) =>
        {
            var hashes = Hashes(entries);
            var size = 1 + (int)((uint)pick % entries.Length);
            var index = (int)((uint)(pick / 7) % size);
            var root = MerkleTree.RootHash(hashes.Take(size).ToList());
            var proof = MerkleTree.InclusionProof(hashes, index, size);

            Assert.True(MerkleTree.VerifyInclusion(hashes[index], index, size, proof, root));

            Assert.False(MerkleTree.VerifyInclusion(FlipBit(hashes[index], bit), index, size, proof, root), "leaf");
            Assert.False(MerkleTree.VerifyInclusion(hashes[index], index, size, proof, FlipBit(root, bit)), "root");
            for (var p = 0; p < proof.Length; p++)
            {
                var tampered = proof.ToArray();
                tampered[p] = FlipBit(tampered[p], bit);
                Assert.False(MerkleTree.VerifyInclusion(hashes[index], index, size, tampered, root), $"proof element {p}");
            }
            Assert.False(MerkleTree.VerifyInclusion(hashes[index], index, size, [.. proof, root], root), "extra element");
            if (proof.Length > 0) Assert.False(MerkleTree.VerifyInclusion(hashes[index], index, size, proof[..^1], root), "short");
            Assert.False(MerkleTree.VerifyInclusion(hashes[index], size, size, proof, root), "index = size");
            if (size > 1)
            {
                var other = (index + 1) % size;
                Assert.False(MerkleTree.VerifyInclusion(hashes[index], other, size, proof, root), "other index");
            }
        }, iter: 200);
    }

    [Fact]
    public void EveryConsistencyProofVerifiesAndAnyFlippedBitFails()
    {
        Gen.Select(Entries, Gen.Int, Gen.Int[0, 255]).Sample((entries, pick, bit) =>
        {
            var hashes = Hashes(entries);
            var newSize = 1 + (int)((uint)pick % entries.Length);
            var oldSize = (int)((uint)(pick / 7) % (newSize + 1));
            var oldRoot = MerkleTree.RootHash(hashes.Take(oldSize).ToList());
            var newRoot = MerkleTree.RootHash(hashes.Take(newSize).ToList());
            var proof = MerkleTree.ConsistencyProof(hashes, oldSize, newSize);

            Assert.True(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, proof));

            // Built from the old tree's compact range and the appended leaves only: the same proof.
            var oldTree = new MerkleAccumulator();
            foreach (var h in hashes.Take(oldSize)) oldTree.Append(h);
            Assert.Equal(proof, MerkleTree.ConsistencyProof(oldTree, hashes.Skip(oldSize).Take(newSize - oldSize).ToList(), newSize));

            Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, FlipBit(oldRoot, bit), newRoot, proof), "old root");
            if (oldSize > 0) Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, FlipBit(newRoot, bit), proof), "new root");
            for (var p = 0; p < proof.Length; p++)
            {
                var tampered = proof.ToArray();
                tampered[p] = FlipBit(tampered[p], bit);
                Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, tampered), $"proof element {p}");
            }
            if (oldSize > 0 && oldSize < newSize)
            {
                Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, [.. proof, oldRoot]), "extra element");
                Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, proof[..^1]), "short");
            }
            // No claim about a wrong new size: a proof from 2 to 4 leaves also "verifies" as 2 to 3, its one hash
            // standing for leaves [2, 4) as if it were leaf 2. Proofs do not bind the size; signed checkpoints do.
        }, iter: 200);
    }

    [Fact]
    public void AProofFromAChangedHistoryNeverVerifies()
    {
        // The fork case: the old tree's leaf i is changed after the old root was published.
        Gen.Select(Entries, Gen.Int).Sample((entries, pick) =>
        {
            if (entries.Length < 2) return;
            var hashes = Hashes(entries);
            var newSize = entries.Length;
            var oldSize = 1 + (int)((uint)pick % (newSize - 1));
            var changed = (int)((uint)(pick / 3) % oldSize);
            var oldRoot = MerkleTree.RootHash(hashes.Take(oldSize).ToList());
            var rewritten = hashes.ToList();
            rewritten[changed] = MerkleTree.LeafHash([.. entries[changed], 0xFF]);
            var proof = MerkleTree.ConsistencyProof(rewritten, oldSize, newSize);
            Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, MerkleTree.RootHash(rewritten), proof));
        }, iter: 200);
    }

    [Fact]
    public void AnAccumulatorResumesFromItsCompactRange()
    {
        Entries.Sample(entries =>
        {
            var hashes = Hashes(entries);
            var half = entries.Length / 2;
            var first = new MerkleAccumulator();
            foreach (var h in hashes.Take(half)) first.Append(h);
            var resumed = MerkleAccumulator.Restore(first.Size, first.Nodes);
            foreach (var h in hashes.Skip(half)) resumed.Append(h);
            Assert.Equal(MerkleTree.RootHash(hashes), resumed.RootHash());
        }, iter: 50);
        Assert.Throws<ArgumentException>(() => MerkleAccumulator.Restore(3, [new byte[32]]));
    }

    [Fact]
    public void ProofsOfAMillionLeafTreeComeFromTheCompactRangeQuickly()
    {
        // The log's own case: a consistency proof for the latest checkpoint without reading the history.
        var accumulator = new MerkleAccumulator();
        var leaf = MerkleTree.LeafHash([1]);
        for (var i = 0; i < 1_000_000; i++) accumulator.Append(leaf);
        var oldRoot = accumulator.RootHash();
        var appended = Enumerable.Range(0, 1000).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var newTree = accumulator.Clone();
        foreach (var h in appended) newTree.Append(h);

        var proof = MerkleTree.ConsistencyProof(accumulator, appended, newTree.Size);
        Assert.True(MerkleTree.VerifyConsistency(accumulator.Size, newTree.Size, oldRoot, newTree.RootHash(), proof));
        Assert.True(accumulator.Nodes.Count <= 20);
    }
}
