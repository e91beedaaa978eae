using System.Buffers.Binary;
using System.Security.Cryptography;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Merkle;

namespace VbiOrleans.TransactionLog.Segments;

/// <summary>
/// Consecutive log entries [start, start + count) as one file: the unit shipped to blob storage.
/// <code>
/// "VBILOG1\n" (8) | u64 start index | u32 count
/// count × ( u32 length (1..1 MiB) | entry (the LogEntry encoding) | leaf hash (32) = SHA-256(0x00 || entry) )
/// SHA-256 over every byte above (32)
/// </code>
/// Big-endian. The recorded leaf hash beside each entry is what lets the verifier name the exact entry that was
/// changed (see <see cref="Verification.LogVerifier"/>); the trailer catches accidental damage to the whole file. Neither
/// is a defence on its own: the signed checkpoints are.
/// </summary>
public sealed class LogSegment
{
    public const int HeaderSize = 8 + 8 + 4;
    public const int TrailerSize = 32;
    public const int MaxEntryBytes = 1 << 20;

    private readonly byte[][] _entries;
    private readonly byte[][] _leafHashes;

    /// <param name="startIndex">the log index of the first entry</param>
    /// <param name="entries">encoded entries (<see cref="LogEntry.Encode"/>), in log order</param>
    public LogSegment(long startIndex, IReadOnlyList<byte[]> entries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startIndex);
        if (entries.Any(e => e is null || e.Length is 0 or > MaxEntryBytes))
        {
            throw new ArgumentException($"every entry is 1 to {MaxEntryBytes} bytes", nameof(entries));
        }
        StartIndex = startIndex;
        _entries = entries.Select(e => (byte[])e.Clone()).ToArray();
        _leafHashes = _entries.Select(e => MerkleTree.LeafHash(e)).ToArray();
    }

    private LogSegment(long startIndex, byte[][] entries, byte[][] leafHashes)
    {
        StartIndex = startIndex;
        _entries = entries;
        _leafHashes = leafHashes;
    }

    public static ReadOnlySpan<byte> Magic => "VBILOG1\n"u8;

    public long StartIndex { get; }

    public int Count => _entries.Length;

    /// <summary>One past the last entry's index.</summary>
    public long EndIndex => StartIndex + _entries.Length;

    /// <summary>The encoded entries: the Merkle leaves.</summary>
    public IReadOnlyList<byte[]> Entries => _entries;

    public IReadOnlyList<byte[]> LeafHashes => _leafHashes;

    /// <summary>A segment of entries whose indices run on from the first without a gap.</summary>
    public static LogSegment FromEntries(IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0) throw new ArgumentException("a segment built from entries has at least one", nameof(entries));
        var start = entries[0].Index;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Index != start + i)
            {
                throw new ArgumentException($"entry {i} of the segment has index {entries[i].Index}, expected {start + i}", nameof(entries));
            }
        }
        return new LogSegment(start, entries.Select(e => e.Encode()).ToArray());
    }

    public byte[] Encode()
    {
        var size = HeaderSize + TrailerSize + _entries.Sum(e => 4L + e.Length + MerkleTree.HashSize);
        var file = new byte[checked((int)size)];
        var span = file.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], StartIndex);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)_entries.Length);
        var at = HeaderSize;
        for (var i = 0; i < _entries.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[at..], (uint)_entries[i].Length);
            _entries[i].CopyTo(span[(at + 4)..]);
            _leafHashes[i].CopyTo(span[(at + 4 + _entries[i].Length)..]);
            at += 4 + _entries[i].Length + MerkleTree.HashSize;
        }
        SHA256.HashData(span[..at], span[at..]);
        return file;
    }

    /// <summary>
    /// Reads a segment file and refuses it, naming the first bad entry, unless every record is whole, every entry
    /// decodes, carries its own position as index and hashes to its recorded leaf hash, and the trailer matches.
    /// </summary>
    public static LogResult<LogSegment> Parse(ReadOnlyMemory<byte> file)
    {
        var scan = SegmentScan.Read(file);
        if (scan.HeaderError is { } headerError) return headerError;
        for (var i = 0; i < scan.Records.Count; i++)
        {
            var index = scan.StartIndex + i;
            var record = scan.Records[i];
            if (!record.LeafHash.Span.SequenceEqual(record.RecordedHash.Span))
            {
                return new LogError(LogErrorCode.LeafHashMismatch, "the entry does not hash to the leaf hash recorded beside it", index);
            }
            var entry = LogEntry.Decode(record.Entry.Span);
            if (!entry.IsSuccess) return entry.Error with { EntryIndex = index };
            if (entry.Value.Index != index)
            {
                return new LogError(LogErrorCode.IndexMismatch, $"the entry at position {index} says it is entry {entry.Value.Index}", index);
            }
        }
        if (scan.RecordError is { } recordError) return recordError;
        if (scan.LayoutError is { } layoutError) return layoutError;
        if (!scan.ChecksumValid) return new LogError(LogErrorCode.ChecksumMismatch, "the SHA-256 trailer does not match the segment");
        return new LogSegment(scan.StartIndex, scan.Records.Select(r => r.Entry.ToArray()).ToArray(),
            scan.Records.Select(r => r.LeafHash.ToArray()).ToArray());
    }

    /// <summary>The entries decoded (a parsed segment's entries always decode).</summary>
    public IReadOnlyList<LogEntry> DecodeEntries() => _entries.Select(e => LogEntry.Decode(e).Value).ToArray();
}
