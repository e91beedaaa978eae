using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Segments;

namespace VbiOrleans.TransactionLog.Verification;

/// <summary>
/// Checks an archived log against its signed checkpoints, and names the first bad entry.
/// <para><b>What is checked.</b> Every checkpoint is a well-formed note signed by the log's key, names this log, and
/// is no smaller than the one before it. The segments run on from index 0 without gap or overlap. Every entry
/// decodes and carries its own position as index. Every checkpoint's root equals the RFC 6962 root of the archived
/// entries up to its size, and a consistency proof computed from the archive from each checkpoint to the next
/// verifies (RFC 9162 2.1.4.2).</para>
/// <para><b>Naming the first bad entry.</b> A checkpoint commits to its whole prefix through one root; comparing roots
/// only says that the first alteration lies between the last checkpoint that matches (size lo) and the first that
/// does not (size hi). Within [lo, hi) the roots say nothing about single entries. So each segment also records,
/// beside every entry, the leaf hash the log computed when it appended it. Those recorded hashes are not trusted as
/// such; they are checked the same way as the entries: if the RFC 6962 root over the recorded hashes [0, hi) equals
/// the checkpoint's root, then every recorded hash is the one the checkpoint commits to (SHA-256 collision
/// resistance), and the first entry in [lo, hi) whose own hash differs from its recorded hash is proven to be the
/// first altered entry (<see cref="LogFailure.EntryModified"/>, <see cref="LogVerificationResult.FirstBadEntryProven"/>).
/// That is the case for every alteration of entry bytes that does not also rewrite the recorded hash: bit rot, a
/// careless or naive edit. Someone who rewrites the recorded hashes too still cannot make the roots match, so the
/// change is still detected; then the verifier names the first entry it can see to be wrong (bad index, bad
/// encoding, hash not matching its record), with the range [lo, hi) as the proven bound, or only the range
/// (<see cref="LogFailure.RootMismatch"/>). Deletions, insertions and swaps show as an entry whose index is not its
/// position. Checkpoints more frequent than the attacker's patience narrow the range.</para>
/// <para><b>Forks.</b> If a checkpoint disagrees with the archive but a later one agrees, the later one proves the
/// archive's prefix, and the earlier checkpoint commits to a history that is not a prefix of it: the consistency
/// proof from the archive fails, and the log is shown to have signed two histories
/// (<see cref="LogFailure.Fork"/>). The reverse case (the archive matches the earlier checkpoint, a later one does
/// not) cannot be told apart from rewritten entries and recorded hashes without a consistency proof published by
/// the log itself, and is reported as a mismatch over the range.</para>
/// <para>Memory is O(entries between two checkpoints + log n): the archive is read one segment at a time, and the
/// tree is kept as a compact range.</para>
/// </summary>
public sealed class LogVerifier(NoteVerifier verifier, string? origin = null)
{
    /// <summary>The origin every checkpoint must carry: the verifier's key name unless given.</summary>
    public string Origin { get; } = origin ?? verifier.KeyName;

    /// <param name="segments">segment files in log order</param>
    /// <param name="checkpoints">signed checkpoint notes in the order the log signed them</param>
    public LogVerificationResult Verify(IEnumerable<byte[]> segments, IEnumerable<string> checkpoints) =>
        Verify(segments.Select(s => new ReadOnlyMemory<byte>(s)), checkpoints);

    public LogVerificationResult Verify(IEnumerable<ReadOnlyMemory<byte>> segments, IEnumerable<string> checkpoints)
    {
        var opened = new List<Checkpoint>();
        foreach (var text in checkpoints)
        {
            var (checkpoint, refusal) = Open(text, opened.Count, opened.Count > 0 ? opened[^1] : null);
            if (refusal is not null) return refusal;
            opened.Add(checkpoint!);
        }
        return new Run(opened).Verify(segments);
    }

    private (Checkpoint? Checkpoint, LogVerificationResult? Refusal) Open(string text, int index, Checkpoint? previous)
    {
        var note = SignedNote.Parse(text);
        if (!note.IsSuccess) return (null, Refuse(LogFailure.CheckpointMalformed, index, $"checkpoint {index}: {note.Error.Message}"));
        switch (note.Value.Verify(verifier))
        {
            case NoteVerification.SignatureInvalid:
                return (null, Refuse(LogFailure.CheckpointSignatureInvalid, index,
                    $"checkpoint {index}: the signature by {verifier.KeyName} ({verifier.KeyHash:x8}) does not verify"));
            case NoteVerification.NoKnownSignature:
                return (null, Refuse(LogFailure.CheckpointSignatureInvalid, index,
                    $"checkpoint {index} carries no signature by {verifier.KeyName} ({verifier.KeyHash:x8})"));
        }
        var checkpoint = Checkpoint.Parse(note.Value.Text);
        if (!checkpoint.IsSuccess) return (null, Refuse(LogFailure.CheckpointMalformed, index, $"checkpoint {index}: {checkpoint.Error.Message}"));
        if (checkpoint.Value.Origin != Origin)
        {
            return (null, Refuse(LogFailure.CheckpointOriginMismatch, index,
                $"checkpoint {index} is for log '{checkpoint.Value.Origin}', not '{Origin}'"));
        }
        if (previous is not null && checkpoint.Value.Size < previous.Size)
        {
            return (null, Refuse(LogFailure.CheckpointsOutOfOrder, index,
                $"checkpoint {index} has size {checkpoint.Value.Size}, smaller than the {previous.Size} of the one before"));
        }
        return (checkpoint.Value, null);
    }

    private static LogVerificationResult Refuse(LogFailure failure, int checkpoint, string reason) => new()
    {
        Failure = failure,
        EntriesChecked = 0,
        CheckpointsChecked = 0,
        VerifiedSize = 0,
        Checkpoint = checkpoint,
        Reason = reason,
    };

    private sealed record Finding(
        LogFailure Failure,
        long? Entry,
        bool Proven,
        string Reason,
        long? RangeStart = null,
        long? RangeEnd = null,
        int? Checkpoint = null,
        int? Segment = null)
    {
        public long Order => Entry ?? RangeStart ?? long.MaxValue;
    }

    /// <summary>One pass over the archive: entries stream through two accumulators, the entries' own leaf hashes and
    /// the recorded ones, and each checkpoint is settled when the stream reaches its size.</summary>
    private sealed class Run(List<Checkpoint> checkpoints)
    {
        private readonly MerkleAccumulator _actual = new();
        private readonly MerkleAccumulator _recorded = new();
        private readonly List<byte[]> _actualSince = [];
        private readonly List<byte[]> _recordedSince = [];
        private readonly List<(long Start, long End)> _segments = [];
        private MerkleAccumulator _previousTree = new();
        private long _next;
        private int _nextCheckpoint;
        private int _checked;
        private long _verifiedSize;
        private int? _firstMismatch;
        private Finding? _localSince;
        private Finding? _provenProblem;
        private Finding? _mismatch;
        private Finding? _fork;
        private Finding? _break;
        private Finding? _segmentProblem;

        public LogVerificationResult Verify(IEnumerable<ReadOnlyMemory<byte>> files)
        {
            SettleCheckpointsAtNext();
            var segment = 0;
            foreach (var file in files)
            {
                if (_fork is not null) break;
                if (!ReadSegment(file, segment)) break;
                segment++;
            }
            return Conclude();
        }

        /// <returns>false when reading must stop: nothing after this point has a known position</returns>
        private bool ReadSegment(ReadOnlyMemory<byte> file, int segment)
        {
            var scan = SegmentScan.Read(file);
            if (scan.HeaderError is { } headerError)
            {
                _break = new Finding(LogFailure.SegmentMalformed, _next, false, $"segment {segment}: {headerError.Message}", Segment: segment);
                return false;
            }
            if (scan.StartIndex != _next)
            {
                _break = new Finding(LogFailure.SegmentsNotContiguous, _next, false,
                    $"segment {segment} starts at entry {scan.StartIndex}, the archive so far ends at {_next}", Segment: segment);
                return false;
            }
            _segments.Add((scan.StartIndex, scan.StartIndex + scan.Records.Count));
            foreach (var record in scan.Records)
            {
                Read(record, segment);
                SettleCheckpointsAtNext();
                if (_fork is not null) return false;
            }
            if (scan.RecordError is { } recordError)
            {
                _break = new Finding(LogFailure.SegmentMalformed, _next, false, $"segment {segment}: {recordError.Message}", Segment: segment);
                return false;
            }
            if (scan.LayoutError is { } layoutError)
            {
                _segmentProblem ??= new Finding(LogFailure.SegmentMalformed, null, false, $"segment {segment}: {layoutError.Message}", Segment: segment);
            }
            else if (!scan.ChecksumValid)
            {
                _segmentProblem ??= new Finding(LogFailure.SegmentChecksumMismatch, null, false,
                    $"segment {segment}: the SHA-256 trailer does not match, though its entries check out", Segment: segment);
            }
            return true;
        }

        private void Read(SegmentRecord record, int segment)
        {
            var index = _next;
            var decoded = LogEntry.Decode(record.Entry.Span);
            var local =
                !decoded.IsSuccess ? new Finding(LogFailure.EntryMalformed, index, false, $"entry {index} does not decode: {decoded.Error.Message}")
                : decoded.Value.Index != index ? new Finding(LogFailure.EntryIndexMismatch, index, false,
                    $"the entry at position {index} says it is entry {decoded.Value.Index}: entries were deleted, inserted or moved")
                : !record.LeafHash.Span.SequenceEqual(record.RecordedHash.Span) ? new Finding(LogFailure.EntryHashMismatch, index, false,
                    $"entry {index} does not hash to the leaf hash recorded beside it")
                : null;
            _localSince ??= local is null ? null : local with { Segment = segment };

            var leaf = record.LeafHash.ToArray();
            var recorded = record.RecordedHash.ToArray();
            _actual.Append(leaf);
            _recorded.Append(recorded);
            _actualSince.Add(leaf);
            _recordedSince.Add(recorded);
            _next++;
        }

        private void SettleCheckpointsAtNext()
        {
            while (_fork is null && _nextCheckpoint < checkpoints.Count && checkpoints[_nextCheckpoint].Size == _next)
            {
                Settle(_nextCheckpoint++);
            }
        }

        private void Settle(int i)
        {
            var checkpoint = checkpoints[i];
            var root = checkpoint.RootHash;
            var matches = _actual.RootHash().AsSpan().SequenceEqual(root);
            var recordedMatches = _recorded.RootHash().AsSpan().SequenceEqual(root);
            var consistent = true;
            if (i > 0)
            {
                var previous = checkpoints[i - 1];
                var proof = MerkleTree.ConsistencyProof(_previousTree, _actualSince, checkpoint.Size);
                consistent = MerkleTree.VerifyConsistency(previous.Size, checkpoint.Size, previous.RootHash, root, proof);
            }
            _checked++;

            if (_firstMismatch is null)
            {
                if (matches && consistent)
                {
                    if (_localSince is { } seen)
                    {
                        // The checkpoint proves these entries; what was seen wrong was committed that way, or is
                        // only the recorded hash.
                        _provenProblem ??= seen.Failure == LogFailure.EntryHashMismatch
                            ? seen with
                            {
                                Failure = LogFailure.LeafHashRecordCorrupt,
                                Proven = true,
                                Checkpoint = i,
                                Reason = $"the leaf hash recorded beside entry {seen.Entry} is wrong; the entry itself matches checkpoint {i}",
                            }
                            : seen with { Proven = true, Checkpoint = i };
                    }
                    _verifiedSize = checkpoint.Size;
                }
                else if (matches)
                {
                    // Unreachable by RFC 6962: two prefixes of one archive are always consistent. Kept so that a
                    // bug in proof code shows as a failure, never as a pass.
                    _fork = new Finding(LogFailure.Fork, null, false,
                        $"checkpoints {i - 1} and {i} both match the archive, yet the consistency proof between them fails", Checkpoint: i);
                }
                else
                {
                    _firstMismatch = i;
                    _mismatch = Localise(i, recordedMatches);
                    if (_mismatch.Failure == LogFailure.Fork) _fork = _mismatch;
                }
            }
            else if (matches)
            {
                var first = checkpoints[_firstMismatch.Value];
                _fork = (_mismatch ?? new Finding(LogFailure.RootMismatch, null, false, "")) with
                {
                    Failure = LogFailure.Fork,
                    Checkpoint = _firstMismatch,
                    Reason = $"checkpoint {_firstMismatch} (size {first.Size}) does not match the archive, but the later checkpoint {i} "
                        + $"(size {checkpoint.Size}) does, and the consistency proof from checkpoint {i - 1} to {i} fails: "
                        + "the log signed a history that its later checkpoint does not extend"
                        + (_mismatch?.Entry is { } entry ? $"; the histories first differ at entry {entry}" : ""),
                };
            }

            _previousTree = _actual.Clone();
            _actualSince.Clear();
            _recordedSince.Clear();
            _localSince = null;
        }

        /// <summary>The first checkpoint whose root differs from the archive: find the first altered entry between
        /// it and the previous (matching) checkpoint.</summary>
        private Finding Localise(int i, bool recordedMatches)
        {
            var hi = checkpoints[i].Size;
            var lo = i > 0 ? checkpoints[i - 1].Size : 0;
            if (lo == hi)
            {
                return new Finding(
                    i > 0 ? LogFailure.Fork : LogFailure.RootMismatch, null, false,
                    i > 0
                        ? $"checkpoints {i - 1} and {i} both have size {hi} but different roots; checkpoint {i - 1} matches the archive"
                        : $"checkpoint {i} has size 0 but its root is not the empty tree's",
                    lo, hi, i);
            }
            if (recordedMatches)
            {
                for (var k = 0; k < _actualSince.Count; k++)
                {
                    if (_actualSince[k].AsSpan().SequenceEqual(_recordedSince[k])) continue;
                    var entry = lo + k;
                    return new Finding(LogFailure.EntryModified, entry, true,
                        $"entry {entry} was altered: its leaf hash differs from the one checkpoint {i} (size {hi}) commits to; "
                        + $"entries before it match the checkpoints",
                        lo, hi, i);
                }
            }
            var range = $"checkpoint {i} (size {hi}) does not match entries {lo} to {hi - 1}";
            if (_localSince is { } seen)
            {
                return seen with
                {
                    Proven = false,
                    RangeStart = lo,
                    RangeEnd = hi,
                    Checkpoint = i,
                    Reason = $"{seen.Reason}; {range}, and the recorded leaf hashes were altered too, so entries {lo} to "
                        + $"{seen.Entry - 1} are not proven one by one",
                };
            }
            return new Finding(LogFailure.RootMismatch, null, false,
                $"{range}; the recorded leaf hashes were rewritten with the entries, so the first alteration lies in that "
                + $"range but cannot be pinned to one entry (or the log signed checkpoint {i} over a history that does not "
                + $"extend checkpoint {(i > 0 ? i - 1 : 0)})",
                lo, hi, i);
        }

        private LogVerificationResult Conclude()
        {
            if (_fork is not null) return Fail(_fork);

            var outstanding = _nextCheckpoint < checkpoints.Count ? checkpoints[_nextCheckpoint] : null;
            var stop = _break;
            if (outstanding is not null && _firstMismatch is null)
            {
                var missing = $"checkpoint {_nextCheckpoint} covers {outstanding.Size} entries, the archive holds {_next}";
                stop = stop is null
                    ? new Finding(LogFailure.EntriesMissing, _next, _next == _verifiedSize, $"entry {_next} is missing: {missing}",
                        _verifiedSize, outstanding.Size, _nextCheckpoint)
                    : stop with { Reason = $"{stop.Reason}; {missing}", RangeStart = _verifiedSize, RangeEnd = outstanding.Size, Checkpoint = _nextCheckpoint };
            }
            if (stop is not null) stop = stop with { Proven = _next == _verifiedSize };
            var tail = _localSince is { } seen
                ? seen with { Reason = $"{seen.Reason} (no checkpoint covers it yet)" }
                : null;

            Finding?[] entryFindings =
            [
                _provenProblem?.Failure == LogFailure.LeafHashRecordCorrupt ? null : _provenProblem,
                _mismatch,
                stop,
                tail,
            ];
            var first = entryFindings.OfType<Finding>().OrderBy(f => f.Order).FirstOrDefault()
                ?? _provenProblem
                ?? _segmentProblem;
            if (first is not null) return Fail(first);

            return new LogVerificationResult
            {
                Failure = LogFailure.None,
                EntriesChecked = _next,
                CheckpointsChecked = _checked,
                VerifiedSize = _verifiedSize,
                Reason = $"{_next} entries in {_segments.Count} segment{(_segments.Count == 1 ? "" : "s")} and {_checked} checkpoints verified; "
                    + (_next == _verifiedSize ? "every entry is covered by a checkpoint" : $"entries from {_verifiedSize} on await a checkpoint"),
            };
        }

        private LogVerificationResult Fail(Finding f) => new()
        {
            Failure = f.Failure,
            EntriesChecked = _next,
            CheckpointsChecked = _checked,
            VerifiedSize = _verifiedSize,
            FirstBadEntry = f.Entry,
            FirstBadEntryProven = f.Entry is not null && f.Proven,
            SuspectRangeStart = f.RangeStart,
            SuspectRangeEnd = f.RangeEnd,
            Checkpoint = f.Checkpoint,
            Segment = f.Segment ?? SegmentOf(f.Entry),
            Reason = f.Reason,
        };

        private int? SegmentOf(long? entry)
        {
            if (entry is not { } e) return null;
            var i = _segments.FindIndex(s => s.Start <= e && e < s.End);
            return i < 0 ? null : i;
        }
    }
}
