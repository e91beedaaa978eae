using System.Buffers.Binary;
using System.Security.Cryptography;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Segments;

namespace VbiOrleans.TransactionLog.Tests.Fixtures;

/// <summary>Builds archives as the log writer would: encoded entries, segment files and signed checkpoints.</summary>
public static class TestLog
{
    public const string Origin = "vbi.example/log";

    private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static EcdsaNoteSigner Signer { get; } = new(Origin, Key);

    public static NoteVerifier Verifier => Signer.Verifier;

    /// <summary>10,000 entries in one segment, a checkpoint every 1,000: built once, never modified (copy first).</summary>
    public static Archive TenThousand { get; } = Build(10_000, 1_000, seed: 1);

    public static byte[][] Entries(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => EntryGen.Plausible(i, random).Encode()).ToArray();
    }

    public static Archive Build(int count, int every, int seed) => new(Entries(count, seed), every);

    public static byte[][] Segments(IReadOnlyList<byte[]> entries, int segmentSize) =>
        entries.Chunk(segmentSize).Select((chunk, i) => new LogSegment((long)i * segmentSize, chunk).Encode()).ToArray();

    /// <summary>Checkpoints of sizes every, 2 * every, ... up to the number of entries, signed.</summary>
    public static string[] Checkpoints(IReadOnlyList<byte[]> entries, int every, INoteSigner? signer = null) =>
        Sizes(entries.Count, every).Select(size => Checkpoint(entries, size, signer)).ToArray();

    public static string Checkpoint(IReadOnlyList<byte[]> entries, long size, INoteSigner? signer = null)
    {
        var root = MerkleTree.RootHash(entries.Take((int)size).Select(e => MerkleTree.LeafHash(e)).ToList());
        return new Checkpoint(Origin, size, root).SignAsync(signer ?? Signer).GetAwaiter().GetResult().Encode();
    }

    public static IEnumerable<long> Sizes(int count, int every)
    {
        for (long size = every; size <= count; size += every) yield return size;
    }

    /// <summary>Where each record of a segment file lies: its entry bytes and its recorded leaf hash.</summary>
    public static List<(int EntryOffset, int EntryLength, int HashOffset)> Records(byte[] segmentFile)
    {
        var records = new List<(int, int, int)>();
        var count = BinaryPrimitives.ReadUInt32BigEndian(segmentFile.AsSpan(16));
        var at = LogSegment.HeaderSize;
        for (var i = 0; i < count; i++)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(segmentFile.AsSpan(at));
            records.Add((at + 4, length, at + 4 + length));
            at += 4 + length + MerkleTree.HashSize;
        }
        return records;
    }

    public sealed class Archive
    {
        public Archive(byte[][] entries, int every)
        {
            Entries = entries;
            Checkpoints = TestLog.Checkpoints(entries, every);
            Segment = new LogSegment(0, entries).Encode();
            Records = TestLog.Records(Segment);
        }

        public byte[][] Entries { get; }

        public string[] Checkpoints { get; }

        /// <summary>All entries in one segment file.</summary>
        public byte[] Segment { get; }

        public List<(int EntryOffset, int EntryLength, int HashOffset)> Records { get; }

        public byte[] SegmentCopy() => (byte[])Segment.Clone();
    }
}
