using System.Numerics;
using System.Security.Cryptography;

namespace VbiOrleans.TransactionLog.Merkle;

/// <summary>
/// The RFC 6962 (section 2.1) Merkle hash tree, as C2SP tlog-checkpoint and every Certificate Transparency log
/// use it, so anyone's RFC 6962 code can check our roots and proofs.
/// <list type="bullet">
/// <item>MTH({}) = SHA-256() (the empty string).</item>
/// <item>MTH({d0}) = SHA-256(0x00 || d0): the leaf hash.</item>
/// <item>MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two smaller than n.</item>
/// </list>
/// The 0x00 and 0x01 prefixes keep a leaf from ever being read as an interior node. Proofs are generated as RFC 6962
/// defines PATH and PROOF and verified with the RFC 9162 section 2.1.3.2 and 2.1.4.2 algorithms, which need nothing
/// but the proof, the sizes and the roots.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = 32;

    private static readonly byte[] Empty = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>The root of the empty tree: SHA-256 of the empty string.</summary>
    public static byte[] EmptyRoot => (byte[])Empty.Clone();

    /// <summary>SHA-256(0x00 || entry).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        // One-shot hashing of a copy: entries are small, and the verifier hashes every one of them.
        var length = entry.Length + 1;
        Span<byte> input = length <= 1024 ? stackalloc byte[length] : new byte[length];
        input[0] = 0x00;
        entry.CopyTo(input[1..]);
        return SHA256.HashData(input);
    }

    /// <summary>SHA-256(0x01 || left || right).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        RequireHash(left, nameof(left));
        RequireHash(right, nameof(right));
        Span<byte> input = stackalloc byte[1 + 2 * HashSize];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashSize)..]);
        return SHA256.HashData(input);
    }

    /// <summary>MTH over the given leaf hashes (not entries: hash each entry with <see cref="LeafHash"/> first).</summary>
    public static byte[] RootHash(IReadOnlyList<byte[]> leafHashes) => RootHash(leafHashes, 0, leafHashes.Count);

    /// <summary>MTH over <paramref name="leafHashes"/>[start:end].</summary>
    public static byte[] RootHash(IReadOnlyList<byte[]> leafHashes, int start, int end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(end, start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(end, leafHashes.Count);
        var accumulator = new MerkleAccumulator();
        for (var i = start; i < end; i++) accumulator.Append(leafHashes[i]);
        return accumulator.RootHash();
    }

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n &gt; 1): RFC 6962's split point.</summary>
    public static long SplitPoint(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        return 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));
    }

    /// <summary>The audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves.</summary>
    public static byte[][] InclusionProof(IReadOnlyList<byte[]> leafHashes, long index, long size) =>
        InclusionProof(new LeafHashList(leafHashes), index, size);

    /// <summary>RFC 6962 PATH(index, D[0:size]), reading subtree hashes from <paramref name="source"/>.</summary>
    public static byte[][] InclusionProof(IMerkleHashSource source, long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, source.Size);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        // Walk down from the root, collecting the sibling of each step; the proof lists them leaf first.
        var path = new List<byte[]>();
        long start = 0, end = size, m = index;
        while (end - start > 1)
        {
            var k = SplitPoint(end - start);
            if (m < k)
            {
                path.Add(source.RangeHash(start + k, end));
                end = start + k;
            }
            else
            {
                path.Add(source.RangeHash(start, start + k));
                start += k;
                m -= k;
            }
        }
        path.Reverse();
        return [.. path];
    }

    /// <summary>The consistency proof from the tree of <paramref name="oldSize"/> leaves to that of <paramref name="newSize"/>.</summary>
    public static byte[][] ConsistencyProof(IReadOnlyList<byte[]> leafHashes, long oldSize, long newSize) =>
        ConsistencyProof(new LeafHashList(leafHashes), oldSize, newSize);

    /// <summary>
    /// The consistency proof from <paramref name="oldTree"/> (its compact range: all this needs of the old leaves) to
    /// the tree extended by <paramref name="appendedLeafHashes"/>, in time proportional to the appended leaves. This is
    /// how a log with millions of entries proves each new checkpoint without reading its history.
    /// </summary>
    public static byte[][] ConsistencyProof(MerkleAccumulator oldTree, IReadOnlyList<byte[]> appendedLeafHashes, long newSize) =>
        ConsistencyProof(new ExtendedCompactRange(oldTree, appendedLeafHashes), oldTree.Size, newSize);

    /// <summary>RFC 6962 PROOF(oldSize, D[0:newSize]) = SUBPROOF(oldSize, D[0:newSize], true).</summary>
    public static byte[][] ConsistencyProof(IMerkleHashSource source, long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(newSize, oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newSize, source.Size);
        if (oldSize == 0 || oldSize == newSize) return [];

        // SUBPROOF(m, D[start:end], b), iteratively: each step appends one hash; the base case adds the old
        // subtree itself unless it is the whole old tree (b still true), which the verifier already holds.
        var proof = new List<byte[]>();
        long start = 0, end = newSize, m = oldSize;
        var wholeOldTree = true;
        while (true)
        {
            var n = end - start;
            if (m == n)
            {
                if (!wholeOldTree) proof.Add(source.RangeHash(start, end));
                break;
            }
            var k = SplitPoint(n);
            if (m <= k)
            {
                proof.Add(source.RangeHash(start + k, end));
                end = start + k;
            }
            else
            {
                proof.Add(source.RangeHash(start, start + k));
                start += k;
                m -= k;
                wholeOldTree = false;
            }
        }
        proof.Reverse();
        return [.. proof];
    }

    /// <summary>RFC 9162 section 2.1.3.2: does <paramref name="proof"/> put <paramref name="leafHash"/> at
    /// <paramref name="index"/> in the tree of <paramref name="size"/> leaves whose root is <paramref name="root"/>?</summary>
    public static bool VerifyInclusion(
        ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size || leafHash.Length != HashSize || root.Length != HashSize) return false;
        if (!AllHashes(proof)) return false;
        ulong fn = (ulong)index, sn = (ulong)(size - 1);
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                {
                    do
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                    while ((fn & 1) == 0 && fn != 0);
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>
    /// RFC 9162 section 2.1.4.2: is the tree of <paramref name="newSize"/> leaves with root <paramref name="newRoot"/> an
    /// append-only extension of the tree of <paramref name="oldSize"/> leaves with root <paramref name="oldRoot"/>?
    /// Equal sizes need an empty proof and equal roots; the empty tree is a prefix of every tree.
    /// </summary>
    public static bool VerifyConsistency(
        long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        if (oldSize < 0 || newSize < oldSize || oldRoot.Length != HashSize || newRoot.Length != HashSize) return false;
        if (!AllHashes(proof)) return false;
        if (oldSize == newSize) return proof.Count == 0 && oldRoot.SequenceEqual(newRoot);
        if (oldSize == 0) return proof.Count == 0 && oldRoot.SequenceEqual(Empty);
        if (proof.Count == 0) return false;

        var path = new List<byte[]>(proof.Count + 1);
        if (BitOperations.IsPow2(oldSize)) path.Add(oldRoot.ToArray());
        path.AddRange(proof);

        ulong fn = (ulong)oldSize - 1, sn = (ulong)newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path[0], sr = path[0];
        for (var i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                if ((fn & 1) == 0)
                {
                    do
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                    while ((fn & 1) == 0 && fn != 0);
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(oldRoot) && sr.AsSpan().SequenceEqual(newRoot);
    }

    private static bool AllHashes(IReadOnlyList<byte[]> proof)
    {
        foreach (var p in proof)
        {
            if (p is null || p.Length != HashSize) return false;
        }
        return true;
    }

    private static void RequireHash(ReadOnlySpan<byte> hash, string name)
    {
        if (hash.Length != HashSize) throw new ArgumentException($"a hash is {HashSize} bytes, got {hash.Length}", name);
    }
}
