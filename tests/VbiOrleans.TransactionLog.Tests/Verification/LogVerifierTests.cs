using System.Security.Cryptography;
using CsCheck;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Segments;
using VbiOrleans.TransactionLog.Tests.Fixtures;
using VbiOrleans.TransactionLog.Verification;

namespace VbiOrleans.TransactionLog.Tests.Verification;

/// <summary>
/// The archive of 10,000 entries in one segment with a signed checkpoint every 1,000, altered every way we can think
/// of. The verifier must never pass an altered archive, and must name the entry that was altered.
/// </summary>
public class LogVerifierTests
{
    private static readonly TestLog.Archive Log = TestLog.TenThousand;

    private static LogVerificationResult Verify(IEnumerable<byte[]> segments, IEnumerable<string>? checkpoints = null) =>
        new LogVerifier(TestLog.Verifier).Verify(segments, checkpoints ?? Log.Checkpoints);

    private static LogVerificationResult Verify(byte[] segment, IEnumerable<string>? checkpoints = null) => Verify([segment], checkpoints);

    [Fact]
    public void AnIntactArchiveVerifiesWhateverItsSegmentation()
    {
        var whole = Verify(Log.Segment);
        Assert.True(whole.Ok, whole.ToString());
        Assert.Equal(10_000, whole.EntriesChecked);
        Assert.Equal(10, whole.CheckpointsChecked);
        Assert.Equal(10_000, whole.VerifiedSize);

        Assert.True(Verify(TestLog.Segments(Log.Entries, 2_500)).Ok);
        Assert.True(Verify(TestLog.Segments(Log.Entries, 777)).Ok);
    }

    [Fact]
    public void ChangingOneByteOfEntry4321NamesEntry4321()
    {
        var file = Log.SegmentCopy();
        file[Log.Records[4321].EntryOffset + 30] ^= 0x01;

        var result = Verify(file);

        Assert.Equal(LogFailure.EntryModified, result.Failure);
        Assert.Equal(4321, result.FirstBadEntry);
        Assert.True(result.FirstBadEntryProven);
        Assert.Equal((4000L, 5000L), (result.SuspectRangeStart, result.SuspectRangeEnd));
        Assert.Equal(4, result.Checkpoint);
        Assert.Equal(0, result.Segment);
        Assert.Equal(4000, result.VerifiedSize);
    }

    [Fact]
    public void ChangingAnyByteOfAnyEntryNamesThatEntry()
    {
        Gen.Select(Gen.Int[0, 9_999], Gen.Double[0, 1], Gen.Byte[1, 255]).Sample((entry, where, xor) =>
        {
            var record = Log.Records[entry];
            var file = Log.SegmentCopy();
            file[record.EntryOffset + (int)(where * (record.EntryLength - 1))] ^= xor;

            var result = Verify(file);

            Assert.Equal(LogFailure.EntryModified, result.Failure);
            Assert.Equal(entry, result.FirstBadEntry);
            Assert.True(result.FirstBadEntryProven);
        }, iter: 20);
    }

    [Fact]
    public void ChangingTwoEntriesNamesTheFirst()
    {
        var file = Log.SegmentCopy();
        file[Log.Records[6543].EntryOffset + 3] ^= 0x80;
        file[Log.Records[6100].EntryOffset + 40] ^= 0x80;
        var result = Verify(file);
        Assert.Equal((LogFailure.EntryModified, 6100L), (result.Failure, result.FirstBadEntry));
    }

    [Fact]
    public void ChangingOnlyTheRecordedLeafHashIsCaughtAndTheEntryIsCleared()
    {
        var file = Log.SegmentCopy();
        file[Log.Records[2024].HashOffset + 5] ^= 0x10;
        var result = Verify(file);
        Assert.Equal(LogFailure.LeafHashRecordCorrupt, result.Failure);
        Assert.Equal(2024, result.FirstBadEntry);
        Assert.Equal(10_000, result.VerifiedSize);
    }

    [Fact]
    public void RewritingAnEntryTogetherWithItsRecordedHashIsCaughtWithinItsCheckpointRange()
    {
        var entries = Log.Entries.ToArray();
        var entry = LogEntry.Decode(entries[4321]).Value;
        entries[4321] = (entry with { AmountMills = entry.AmountMills + 1 }).Encode();
        var file = new LogSegment(0, entries).Encode();

        var result = Verify(file);

        Assert.Equal(LogFailure.RootMismatch, result.Failure);
        Assert.Null(result.FirstBadEntry);
        Assert.Equal((4000L, 5000L), (result.SuspectRangeStart, result.SuspectRangeEnd));
        Assert.Equal(4, result.Checkpoint);
    }

    [Fact]
    public void DeletingAnEntryNamesItsPosition()
    {
        // Cut out of the file as it is, header and trailer left alone.
        var file = Log.SegmentCopy();
        var record = Log.Records[4321];
        var start = record.EntryOffset - 4;
        var end = record.HashOffset + 32;
        var cut = file[..start].Concat(file[end..]).ToArray();
        var naive = Verify(cut);
        Assert.Equal((LogFailure.EntryIndexMismatch, 4321L), (naive.Failure, naive.FirstBadEntry));

        // Rebuilt as a well-formed segment without it.
        var careful = Verify(new LogSegment(0, Log.Entries.Where((_, i) => i != 4321).ToArray()).Encode());
        Assert.Equal((LogFailure.EntryIndexMismatch, 4321L), (careful.Failure, careful.FirstBadEntry));
        Assert.Equal((4000L, 5000L), (careful.SuspectRangeStart, careful.SuspectRangeEnd));
    }

    [Fact]
    public void SwappingTwoEntriesNamesTheFirstOfThem()
    {
        var entries = Log.Entries.ToArray();
        (entries[4321], entries[4400]) = (entries[4400], entries[4321]);
        var result = Verify(new LogSegment(0, entries).Encode());
        Assert.Equal((LogFailure.EntryIndexMismatch, 4321L), (result.Failure, result.FirstBadEntry));
    }

    [Fact]
    public void InsertingAnEntryNamesItsPosition()
    {
        var entries = Log.Entries.ToList();
        entries.Insert(7000, Log.Entries[7000]);
        var result = Verify(new LogSegment(0, entries).Encode());
        Assert.Equal((LogFailure.EntryIndexMismatch, 7001L), (result.Failure, result.FirstBadEntry));
    }

    [Fact]
    public void AForgedCheckpointSignatureIsRefused()
    {
        var checkpoints = Log.Checkpoints.ToArray();
        var note = checkpoints[3];
        var at = note.LastIndexOf(' ') + 20;
        checkpoints[3] = note[..at] + (note[at] == 'A' ? 'B' : 'A') + note[(at + 1)..];

        var result = Verify(Log.Segment, checkpoints);

        Assert.Equal(LogFailure.CheckpointSignatureInvalid, result.Failure);
        Assert.Equal(3, result.Checkpoint);
        Assert.Null(result.FirstBadEntry);
    }

    [Fact]
    public void ACheckpointSignedByAnotherKeyOrEditedAfterSigningIsRefused()
    {
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var checkpoints = Log.Checkpoints.ToArray();
        checkpoints[5] = TestLog.Checkpoint(Log.Entries, 6000, new EcdsaNoteSigner(TestLog.Origin, forger));
        var otherKey = Verify(Log.Segment, checkpoints);
        Assert.Equal((LogFailure.CheckpointSignatureInvalid, 5), (otherKey.Failure, otherKey.Checkpoint));

        checkpoints = Log.Checkpoints.ToArray();
        checkpoints[5] = checkpoints[5].Replace("\n6000\n", "\n5999\n");
        var edited = Verify(Log.Segment, checkpoints);
        Assert.Equal((LogFailure.CheckpointSignatureInvalid, 5), (edited.Failure, edited.Checkpoint));
    }

    [Fact]
    public void ACheckpointInconsistentWithItsSuccessorIsAFork()
    {
        // The log signed checkpoints up to 5,000 over one history, then rewrote entry 500 and went on signing.
        var rewritten = Log.Entries.ToArray();
        var entry = LogEntry.Decode(rewritten[500]).Value;
        rewritten[500] = (entry with { AmountMills = 1 }).Encode();
        var checkpoints = Log.Checkpoints.Take(5).Concat(TestLog.Checkpoints(rewritten, 1000).Skip(5)).ToArray();

        var result = Verify(new LogSegment(0, rewritten).Encode(), checkpoints);

        Assert.Equal(LogFailure.Fork, result.Failure);
        Assert.Equal(0, result.Checkpoint);
        Assert.Equal((0L, 1000L), (result.SuspectRangeStart, result.SuspectRangeEnd));
        Assert.Contains("checkpoint 5", result.Reason);
    }

    [Fact]
    public void TwoCheckpointsOfOneSizeWithDifferentRootsAreAFork()
    {
        var rewritten = Log.Entries.ToArray();
        rewritten[10] = Log.Entries[11];
        var checkpoints = new[] { Log.Checkpoints[0], TestLog.Checkpoint(rewritten, 1000) }.Concat(Log.Checkpoints.Skip(1));
        var result = Verify(Log.Segment, checkpoints);
        Assert.Equal((LogFailure.Fork, 1), (result.Failure, result.Checkpoint));
    }

    [Fact]
    public void ALaterCheckpointOverAnotherHistoryIsAMismatchOverItsRange()
    {
        // The archive kept the first history; only a consistency proof from the log itself could tell this fork
        // from entries and recorded hashes rewritten together in [5000, 6000).
        var rewritten = Log.Entries.ToArray();
        rewritten[500] = (LogEntry.Decode(rewritten[500]).Value with { AmountMills = 1 }).Encode();
        var checkpoints = Log.Checkpoints.Take(5).Concat(TestLog.Checkpoints(rewritten, 1000).Skip(5)).ToArray();

        var result = Verify(Log.Segment, checkpoints);

        Assert.Equal(LogFailure.RootMismatch, result.Failure);
        Assert.Equal((5000L, 6000L), (result.SuspectRangeStart, result.SuspectRangeEnd));
    }

    [Fact]
    public void ATruncatedSegmentNamesTheFirstEntryItLost()
    {
        var file = Log.Segment[..(Log.Records[7500].EntryOffset + 10)];
        var result = Verify(file);
        Assert.Equal(LogFailure.SegmentMalformed, result.Failure);
        Assert.Equal(7500, result.FirstBadEntry);
        Assert.Equal(7500, result.EntriesChecked);
        Assert.Equal(7000, result.VerifiedSize);
        Assert.Equal(7, result.Checkpoint);

        var atBoundary = Verify(Log.Segment[..(Log.Records[8000].EntryOffset - 4)]);
        Assert.Equal((LogFailure.SegmentMalformed, 8000L), (atBoundary.Failure, atBoundary.FirstBadEntry));
        Assert.True(atBoundary.FirstBadEntryProven);
    }

    [Fact]
    public void AMissingSegmentNamesTheFirstEntryItHeld()
    {
        var segments = TestLog.Segments(Log.Entries, 2_500).ToList();
        segments.RemoveAt(2);
        var gap = Verify(segments);
        Assert.Equal((LogFailure.SegmentsNotContiguous, 5000L, 2), (gap.Failure, gap.FirstBadEntry, gap.Segment));
        Assert.True(gap.FirstBadEntryProven);

        segments = TestLog.Segments(Log.Entries, 2_500).ToList();
        segments.RemoveAt(3);
        var shortened = Verify(segments);
        Assert.Equal((LogFailure.EntriesMissing, 7500L, 7), (shortened.Failure, shortened.FirstBadEntry, shortened.Checkpoint));
    }

    [Fact]
    public void ADamagedTrailerAloneIsReportedAgainstItsSegment()
    {
        var segments = TestLog.Segments(Log.Entries, 2_500);
        segments[1][^1] ^= 0x01;
        var result = Verify(segments);
        Assert.Equal(LogFailure.SegmentChecksumMismatch, result.Failure);
        Assert.Equal(1, result.Segment);
        Assert.Null(result.FirstBadEntry);
    }

    [Fact]
    public void EntriesAfterTheLastCheckpointAreCheckedAgainstTheirRecordedHashes()
    {
        var checkpoints = Log.Checkpoints.Take(9).ToArray();
        var intact = Verify(Log.Segment, checkpoints);
        Assert.True(intact.Ok);
        Assert.Equal((10_000L, 9_000L), (intact.EntriesChecked, intact.VerifiedSize));

        var file = Log.SegmentCopy();
        file[Log.Records[9500].EntryOffset + 12] ^= 0x04;
        var result = Verify(file, checkpoints);
        Assert.Equal((LogFailure.EntryHashMismatch, 9500L), (result.Failure, result.FirstBadEntry));
        Assert.False(result.FirstBadEntryProven);
    }

    [Fact]
    public void CheckpointsOfAnotherLogOrOutOfOrderAreRefused()
    {
        var otherOrigin = new LogVerifier(TestLog.Verifier, "vbi.example/other").Verify([Log.Segment], Log.Checkpoints);
        Assert.Equal((LogFailure.CheckpointOriginMismatch, 0), (otherOrigin.Failure, otherOrigin.Checkpoint));

        var reversed = Verify(Log.Segment, Log.Checkpoints.Reverse());
        Assert.Equal((LogFailure.CheckpointsOutOfOrder, 1), (reversed.Failure, reversed.Checkpoint));

        var malformed = Verify(Log.Segment, ["not a note"]);
        Assert.Equal(LogFailure.CheckpointMalformed, malformed.Failure);
    }

    [Fact]
    public void EverySingleByteChangeToASmallArchiveIsCaughtAndEntryChangesAreNamed()
    {
        var log = TestLog.Build(16, 8, seed: 2);
        var records = log.Records;
        for (var offset = 0; offset < log.Segment.Length; offset++)
        {
            var file = log.SegmentCopy();
            file[offset] ^= 0x01;

            var result = new LogVerifier(TestLog.Verifier).Verify([file], log.Checkpoints);

            Assert.False(result.Ok, $"a change at byte {offset} passed");
            var inEntry = records.FindIndex(r => r.EntryOffset <= offset && offset < r.EntryOffset + r.EntryLength);
            if (inEntry >= 0)
            {
                Assert.Equal((LogFailure.EntryModified, (long?)inEntry), (result.Failure, result.FirstBadEntry));
            }
            var inHash = records.FindIndex(r => r.HashOffset <= offset && offset < r.HashOffset + 32);
            if (inHash >= 0)
            {
                Assert.Equal((LogFailure.LeafHashRecordCorrupt, (long?)inHash), (result.Failure, result.FirstBadEntry));
            }
        }
    }

    [Fact]
    public void AnEmptyLogWithAnEmptyCheckpointVerifies()
    {
        var checkpoint = TestLog.Checkpoint([], 0);
        var result = new LogVerifier(TestLog.Verifier).Verify([new LogSegment(0, []).Encode()], [checkpoint]);
        Assert.True(result.Ok, result.ToString());
        Assert.Equal(1, result.CheckpointsChecked);
    }
}
