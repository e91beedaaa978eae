using System.Numerics;

namespace VbiOrleans.TransactionLog.Merkle;

/// <summary>
/// Appends leaf hashes and gives the RFC 6962 root at any time, holding only the compact range: the roots of the
/// perfect subtrees that tile [0, size), largest first, one per set bit of the size. So O(log n) memory for a log of
/// millions of entries, and O(1) amortised hashing per append.
/// <para>The root folds the compact range from the right: MTH splits at the largest power of two below n, which
/// is exactly the first (largest) perfect subtree, and recurses into the rest.</para>
/// </summary>
public sealed class MerkleAccumulator
{
    private readonly List<byte[]> _nodes;

    public MerkleAccumulator() => _nodes = [];

    private MerkleAccumulator(long size, List<byte[]> nodes)
    {
        Size = size;
        _nodes = nodes;
    }

    /// <summary>Leaves appended so far.</summary>
    public long Size { get; private set; }

    /// <summary>The compact range, largest subtree first (what a log persists to resume appending).</summary>
    public IReadOnlyList<byte[]> Nodes => _nodes.Select(n => (byte[])n.Clone()).ToArray();

    /// <summary>Resumes from a persisted <see cref="Size"/> and <see cref="Nodes"/>.</summary>
    public static MerkleAccumulator Restore(long size, IReadOnlyList<byte[]> nodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (nodes.Count != BitOperations.PopCount((ulong)size))
        {
            throw new ArgumentException($"a tree of {size} leaves has {BitOperations.PopCount((ulong)size)} compact-range nodes, got {nodes.Count}", nameof(nodes));
        }
        if (nodes.Any(n => n is null || n.Length != MerkleTree.HashSize))
        {
            throw new ArgumentException($"every node is a {MerkleTree.HashSize}-byte hash", nameof(nodes));
        }
        return new MerkleAccumulator(size, nodes.Select(n => (byte[])n.Clone()).ToList());
    }

    public void Append(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleTree.HashSize)
        {
            throw new ArgumentException($"a leaf hash is {MerkleTree.HashSize} bytes, got {leafHash.Length}", nameof(leafHash));
        }
        var hash = leafHash.ToArray();
        // Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
        for (var s = Size; (s & 1) == 1; s >>= 1)
        {
            hash = MerkleTree.NodeHash(_nodes[^1], hash);
            _nodes.RemoveAt(_nodes.Count - 1);
        }
        _nodes.Add(hash);
        Size++;
    }

    /// <summary>MTH of the leaves appended so far.</summary>
    public byte[] RootHash()
    {
        if (_nodes.Count == 0) return MerkleTree.EmptyRoot;
        var root = _nodes[^1];
        for (var i = _nodes.Count - 2; i >= 0; i--) root = MerkleTree.NodeHash(_nodes[i], root);
        return (byte[])root.Clone();
    }

    public MerkleAccumulator Clone() => new(Size, [.. _nodes]);

    /// <summary>The compact-range node covering exactly [start, end), if there is one.</summary>
    internal byte[]? NodeFor(long start, long end)
    {
        long at = 0;
        var i = 0;
        for (var bit = 62; bit >= 0; bit--)
        {
            var width = 1L << bit;
            if ((Size & width) == 0) continue;
            if (at == start && at + width == end) return _nodes[i];
            at += width;
            i++;
        }
        return null;
    }
}
