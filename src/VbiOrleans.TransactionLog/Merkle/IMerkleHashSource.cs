namespace VbiOrleans.TransactionLog.Merkle;

/// <summary>
/// Where proof generation reads hashes: MTH over a range of the log's leaves. Proofs only ever ask for RFC 6962
/// subtrees (a range the recursive split produces), so a store of subtree hashes can answer without rehashing.
/// </summary>
public interface IMerkleHashSource
{
    /// <summary>Leaves available.</summary>
    long Size { get; }

    /// <summary>MTH(D[start:end]).</summary>
    byte[] RangeHash(long start, long end);
}

/// <summary>Leaf hashes held in memory; a range costs one hash per leaf in it.</summary>
public sealed class LeafHashList(IReadOnlyList<byte[]> leafHashes) : IMerkleHashSource
{
    public long Size => leafHashes.Count;

    public byte[] RangeHash(long start, long end) => MerkleTree.RootHash(leafHashes, checked((int)start), checked((int)end));
}

/// <summary>
/// An old tree known only by its compact range, extended by the leaves appended after it: enough for every hash a
/// consistency proof from the old size asks for, because those are either compact-range nodes of the old tree or
/// ranges that lie wholly among the new leaves.
/// </summary>
internal sealed class ExtendedCompactRange(MerkleAccumulator oldTree, IReadOnlyList<byte[]> appended) : IMerkleHashSource
{
    public long Size => oldTree.Size + appended.Count;

    public byte[] RangeHash(long start, long end)
    {
        var old = oldTree.Size;
        if (start >= old) return MerkleTree.RootHash(appended, checked((int)(start - old)), checked((int)(end - old)));
        return oldTree.NodeFor(start, end) is { } node
            ? (byte[])node.Clone()
            : throw new InvalidOperationException($"[{start}, {end}) is neither a compact-range node of the old tree nor among the appended leaves");
    }
}
