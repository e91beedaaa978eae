using System.Buffers.Binary;
using System.Security.Cryptography;
using VbiOrleans.TransactionLog.Merkle;

namespace VbiOrleans.TransactionLog.Segments;

/// <summary>One record of a segment file as found: the entry bytes, their leaf hash, and the hash recorded beside them.</summary>
internal readonly record struct SegmentRecord(ReadOnlyMemory<byte> Entry, ReadOnlyMemory<byte> LeafHash, ReadOnlyMemory<byte> RecordedHash);

/// <summary>
/// A lenient read of a segment file: every whole record up to the first that is not, and each problem kept
/// apart instead of stopping at the first, so the verifier can still check the entries that were readable and name
/// the first bad one. Records are read against the end of the file, not against an assumed trailer position, so a
/// cut file loses only the records actually cut.
/// </summary>
internal sealed class SegmentScan
{
    private SegmentScan()
    {
    }

    public long StartIndex { get; private init; }

    public uint DeclaredCount { get; private init; }

    public List<SegmentRecord> Records { get; } = [];

    /// <summary>The header cannot be read: no record can be located.</summary>
    public LogError? HeaderError { get; private set; }

    /// <summary>A record is cut or its length is impossible; records from its index on are unreadable.</summary>
    public LogError? RecordError { get; private set; }

    /// <summary>Every record is whole, but the trailer is cut or bytes precede it.</summary>
    public LogError? LayoutError { get; private set; }

    public bool ChecksumValid { get; private init; }

    /// <summary>All declared records were read.</summary>
    public bool RecordsComplete => HeaderError is null && RecordError is null;

    public static SegmentScan Read(ReadOnlyMemory<byte> file)
    {
        var bytes = file.Span;
        var checksumValid = bytes.Length >= LogSegment.TrailerSize
            && SHA256.HashData(bytes[..^LogSegment.TrailerSize]).AsSpan().SequenceEqual(bytes[^LogSegment.TrailerSize..]);

        if (bytes.Length < LogSegment.HeaderSize)
        {
            return new SegmentScan
            {
                HeaderError = new LogError(LogErrorCode.Truncated, $"a segment is at least {LogSegment.HeaderSize + LogSegment.TrailerSize} bytes, this is {bytes.Length}"),
            };
        }
        if (!bytes[..8].SequenceEqual(LogSegment.Magic))
        {
            return new SegmentScan { HeaderError = new LogError(LogErrorCode.BadMagic, "the file does not start with \"VBILOG1\\n\"") };
        }
        var start = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        var count = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
        if (start < 0 || start > long.MaxValue - count)
        {
            return new SegmentScan { HeaderError = new LogError(LogErrorCode.InvalidField, $"start index {(ulong)start} and count {count} are out of range") };
        }

        var scan = new SegmentScan { StartIndex = start, DeclaredCount = count, ChecksumValid = checksumValid };
        var at = LogSegment.HeaderSize;
        for (long i = 0; i < count; i++)
        {
            var index = start + i;
            if (bytes.Length - at < 4)
            {
                scan.RecordError = new LogError(LogErrorCode.Truncated, "the file ends before the entry's length", index);
                return scan;
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[at..]);
            if (length is 0 or > LogSegment.MaxEntryBytes)
            {
                scan.RecordError = new LogError(LogErrorCode.LengthOutOfRange, $"entry length {length} is not 1 to {LogSegment.MaxEntryBytes}", index);
                return scan;
            }
            if (bytes.Length - at - 4 < length + (long)MerkleTree.HashSize)
            {
                scan.RecordError = new LogError(LogErrorCode.Truncated, $"the file ends inside the entry's {length} bytes and leaf hash", index);
                return scan;
            }
            var entry = file.Slice(at + 4, (int)length);
            scan.Records.Add(new SegmentRecord(entry, MerkleTree.LeafHash(entry.Span), file.Slice(at + 4 + (int)length, MerkleTree.HashSize)));
            at += 4 + (int)length + MerkleTree.HashSize;
        }
        var rest = bytes.Length - at;
        if (rest < LogSegment.TrailerSize)
        {
            scan.LayoutError = new LogError(LogErrorCode.Truncated, $"the SHA-256 trailer is cut ({rest} of {LogSegment.TrailerSize} bytes)");
        }
        else if (rest > LogSegment.TrailerSize)
        {
            scan.LayoutError = new LogError(LogErrorCode.TrailingBytes, $"{rest - LogSegment.TrailerSize} bytes lie between the last entry and the trailer");
        }
        return scan;
    }
}
