using VbiOrleans.TransactionLog.Merkle;

namespace VbiOrleans.TransactionLog.Tests.Merkle;

/// <summary>
/// The RFC 6962 test vectors every Certificate Transparency implementation checks (as published in
/// transparency-dev/merkle testonly/constants.go): eight leaves, the root for each size 0..8, the node hashes, and
/// proofs built from those nodes. A tree no other implementation agrees with proves nothing to anyone else.
/// </summary>
public class MerkleTreeVectorTests
{
    public static readonly byte[][] Leaves =
    [
        .. new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
            .Select(Convert.FromHexString),
    ];

    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    // Level 0 is the leaf hashes; level l, index i is MTH of leaves [i * 2^l, (i + 1) * 2^l).
    private static readonly string[][] Nodes =
    [
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ];

    private static List<byte[]> LeafHashes => Leaves.Select(l => MerkleTree.LeafHash(l)).ToList();

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    private static string[] Hex(IEnumerable<byte[]> proof) => proof.Select(Hex).ToArray();

    [Fact]
    public void LeafAndNodeHashesMatchTheVectors()
    {
        Assert.Equal(Nodes[0], LeafHashes.Select(Hex));
        for (var level = 1; level < Nodes.Length; level++)
        {
            for (var i = 0; i < Nodes[level].Length; i++)
            {
                var left = Convert.FromHexString(Nodes[level - 1][2 * i]);
                var right = Convert.FromHexString(Nodes[level - 1][2 * i + 1]);
                Assert.Equal(Nodes[level][i], Hex(MerkleTree.NodeHash(left, right)));
            }
        }
    }

    [Fact]
    public void RootForEverySizeMatchesTheVectors()
    {
        var leafHashes = LeafHashes;
        var accumulator = new MerkleAccumulator();
        Assert.Equal(Roots[0], Hex(accumulator.RootHash()));
        Assert.Equal(Roots[0], Hex(MerkleTree.EmptyRoot));
        for (var n = 1; n <= Leaves.Length; n++)
        {
            accumulator.Append(leafHashes[n - 1]);
            Assert.Equal(Roots[n], Hex(accumulator.RootHash()));
            Assert.Equal(Roots[n], Hex(MerkleTree.RootHash(leafHashes.Take(n).ToList())));
        }
    }

    [Fact]
    public void InclusionProofsMatchTheVectors()
    {
        // Leaf 0 of 8: siblings [1], [2,4) and [4,8). Leaf 5 of 8: [4], [6,8) and [0,4).
        Assert.Equal([Nodes[0][1], Nodes[1][1], Nodes[2][1]], Hex(MerkleTree.InclusionProof(LeafHashes, 0, 8)));
        Assert.Equal([Nodes[0][4], Nodes[1][3], Nodes[2][0]], Hex(MerkleTree.InclusionProof(LeafHashes, 5, 8)));
        // Leaf 2 of 3: the right edge, one sibling: [0,2).
        Assert.Equal([Nodes[1][0]], Hex(MerkleTree.InclusionProof(LeafHashes, 2, 3)));
        Assert.Empty(MerkleTree.InclusionProof(LeafHashes, 0, 1));

        var root8 = Convert.FromHexString(Roots[8]);
        Assert.True(MerkleTree.VerifyInclusion(LeafHashes[5], 5, 8, MerkleTree.InclusionProof(LeafHashes, 5, 8), root8));
    }

    [Fact]
    public void ConsistencyProofsMatchTheVectors()
    {
        Assert.Equal([Nodes[1][1], Nodes[2][1]], Hex(MerkleTree.ConsistencyProof(LeafHashes, 2, 8)));
        Assert.Equal([Nodes[1][2], Nodes[1][3], Nodes[2][0]], Hex(MerkleTree.ConsistencyProof(LeafHashes, 6, 8)));
        Assert.Equal([Nodes[1][1], Nodes[0][4]], Hex(MerkleTree.ConsistencyProof(LeafHashes, 2, 5)));
        Assert.Empty(MerkleTree.ConsistencyProof(LeafHashes, 0, 8));
        Assert.Empty(MerkleTree.ConsistencyProof(LeafHashes, 8, 8));

        for (var m = 0; m <= 8; m++)
        {
            for (var n = m; n <= 8; n++)
            {
                var proof = MerkleTree.ConsistencyProof(LeafHashes, m, n);
                Assert.True(
                    MerkleTree.VerifyConsistency(m, n, Convert.FromHexString(Roots[m]), Convert.FromHexString(Roots[n]), proof),
                    $"{m} -> {n}");
            }
        }
    }

    [Fact]
    public void TheSplitIsTheLargestPowerOfTwoBelowNotTheMidpoint()
    {
        Assert.Equal(1, MerkleTree.SplitPoint(2));
        Assert.Equal(2, MerkleTree.SplitPoint(3));
        Assert.Equal(2, MerkleTree.SplitPoint(4));
        Assert.Equal(4, MerkleTree.SplitPoint(5));
        Assert.Equal(4, MerkleTree.SplitPoint(8));
        Assert.Equal(8, MerkleTree.SplitPoint(9));
        Assert.Equal(512, MerkleTree.SplitPoint(1000));
        Assert.Equal(1L << 62, MerkleTree.SplitPoint(long.MaxValue));
    }
}
