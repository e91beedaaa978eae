using System.Security.Cryptography;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Segments;
using VbiOrleans.TransactionLog.Tests.Fixtures;

namespace VbiOrleans.TransactionLog.Tests.Segments;

public class LogSegmentTests
{
    private static readonly byte[][] Entries = TestLog.Entries(30, seed: 3);

    private static byte[] File(long start = 0) =>
        new LogSegment(start, Entries.Select((e, i) => Reindexed(e, start + i)).ToArray()).Encode();

    private static byte[] Reindexed(byte[] entry, long index) => (LogEntry.Decode(entry).Value with { Index = index }).Encode();

    [Fact]
    public void ASegmentRoundTripsAndStartsWithItsHeader()
    {
        var file = File(start: 1000);
        Assert.Equal("VBILOG1\n"u8.ToArray(), file[..8]);
        Assert.Equal(SHA256.HashData(file[..^32]), file[^32..]);

        var segment = LogSegment.Parse(file).Value;
        Assert.Equal(1000, segment.StartIndex);
        Assert.Equal(1030, segment.EndIndex);
        Assert.Equal(Enumerable.Range(1000, 30).Select(i => (long)i), segment.DecodeEntries().Select(e => e.Index));
        Assert.Equal(file, segment.Encode());
    }

    [Fact]
    public void FromEntriesRefusesAGap()
    {
        var entries = Entries.Take(3).Select(e => LogEntry.Decode(e).Value).ToArray();
        Assert.Equal(3, LogSegment.FromEntries(entries).Count);
        Assert.Throws<ArgumentException>(() => LogSegment.FromEntries([entries[0], entries[2]]));
    }

    [Fact]
    public void EveryTruncationIsRefusedNamingTheEntryItCuts()
    {
        var file = File();
        var records = TestLog.Records(file);
        for (var length = 0; length < file.Length; length++)
        {
            var result = LogSegment.Parse(file[..length]);
            Assert.False(result.IsSuccess, $"{length} of {file.Length} bytes");
            var cut = records.FindIndex(r => length < r.HashOffset + 32);
            if (length >= LogSegment.HeaderSize && cut >= 0)
            {
                Assert.Equal(cut, result.Error.EntryIndex);
                Assert.Equal(LogErrorCode.Truncated, result.Error.Code);
            }
        }
    }

    [Fact]
    public void DamageIsRefusedByNameAndEntry()
    {
        var records = TestLog.Records(File());

        var entryByte = File();
        entryByte[records[17].EntryOffset + 2] ^= 1;
        Assert.Equal((LogErrorCode.LeafHashMismatch, (long?)17), Code(entryByte));

        var magic = File();
        magic[3] ^= 1;
        Assert.Equal((LogErrorCode.BadMagic, (long?)null), Code(magic));

        var length = File();
        length[records[4].EntryOffset - 4] = 0x40;
        Assert.Equal((LogErrorCode.LengthOutOfRange, (long?)4), Code(length));

        var trailer = File();
        trailer[^3] ^= 1;
        Assert.Equal((LogErrorCode.ChecksumMismatch, (long?)null), Code(trailer));

        var trailing = File().Concat(new byte[7]).ToArray();
        Assert.Equal(LogErrorCode.TrailingBytes, Code(trailing).Item1);

        var misplaced = new LogSegment(5, Entries).Encode();
        Assert.Equal((LogErrorCode.IndexMismatch, (long?)5), Code(misplaced));
    }

    private static (LogErrorCode, long?) Code(byte[] file)
    {
        var error = LogSegment.Parse(file).Error!;
        return (error.Code, error.EntryIndex);
    }
}
