namespace VbiOrleans.TransactionLog.Verification;

/// <summary>What <see cref="LogVerifier"/> found wrong first. Stable names: tools print them.</summary>
public enum LogFailure
{
    None = 0,
    /// <summary>A checkpoint is not a well-formed signed note or tlog checkpoint.</summary>
    CheckpointMalformed = 1,
    /// <summary>A checkpoint carries no valid signature by the log's key (forged, or signed by another key).</summary>
    CheckpointSignatureInvalid = 2,
    /// <summary>A checkpoint names another log.</summary>
    CheckpointOriginMismatch = 3,
    /// <summary>A checkpoint is smaller than the one before it in the list.</summary>
    CheckpointsOutOfOrder = 4,
    /// <summary>A segment file cannot be read past some point (bad header, cut or impossible record).</summary>
    SegmentMalformed = 5,
    /// <summary>A segment does not start where the previous one ended.</summary>
    SegmentsNotContiguous = 6,
    /// <summary>The archive ends before the size a signed checkpoint commits to.</summary>
    EntriesMissing = 7,
    /// <summary>An entry's bytes do not decode.</summary>
    EntryMalformed = 8,
    /// <summary>An entry's own index is not its position: an entry was deleted, inserted or moved.</summary>
    EntryIndexMismatch = 9,
    /// <summary>An entry does not hash to the leaf hash recorded beside it, and no checkpoint settles which is right.</summary>
    EntryHashMismatch = 10,
    /// <summary>Proven: every entry before this one matches the signed checkpoints, and this one does not.</summary>
    EntryModified = 11,
    /// <summary>The entry is proven by a checkpoint, but the leaf hash recorded beside it is wrong.</summary>
    LeafHashRecordCorrupt = 12,
    /// <summary>A checkpoint's root differs from the archive over a range, and no single entry can be named.</summary>
    RootMismatch = 13,
    /// <summary>Two signed checkpoints that cannot both be prefixes of one log: the log signed two histories.</summary>
    Fork = 14,
    /// <summary>A segment's SHA-256 trailer does not match, though every entry in it checks out.</summary>
    SegmentChecksumMismatch = 15,
}

/// <summary>The outcome of <see cref="LogVerifier.Verify(IEnumerable{byte[]}, IEnumerable{string})"/>.</summary>
public sealed record LogVerificationResult
{
    public required LogFailure Failure { get; init; }

    public bool Ok => Failure == LogFailure.None;

    /// <summary>Entries read and hashed, from index 0.</summary>
    public required long EntriesChecked { get; init; }

    /// <summary>Checkpoints whose signature verified and whose root was compared with the archive.</summary>
    public required int CheckpointsChecked { get; init; }

    /// <summary>Entries [0, VerifiedSize) match a signed checkpoint.</summary>
    public required long VerifiedSize { get; init; }

    /// <summary>The first entry found bad, when one can be named.</summary>
    public long? FirstBadEntry { get; init; }

    /// <summary>True when every entry before <see cref="FirstBadEntry"/> is proven by the signed checkpoints, so it is
    /// certainly the first bad one; false when it is only the first one seen to be bad.</summary>
    public bool FirstBadEntryProven { get; init; }

    /// <summary>The entries [start, end) between two checkpoints that hold the first alteration.</summary>
    public long? SuspectRangeStart { get; init; }

    public long? SuspectRangeEnd { get; init; }

    /// <summary>The position in the checkpoint list of the checkpoint concerned.</summary>
    public int? Checkpoint { get; init; }

    /// <summary>The position in the segment list of the segment concerned.</summary>
    public int? Segment { get; init; }

    public required string Reason { get; init; }

    public override string ToString() => Ok
        ? $"ok: {Reason}"
        : FirstBadEntry is { } entry
            ? $"{Failure} at entry {entry}{(FirstBadEntryProven ? "" : " (first seen)")}: {Reason}"
            : $"{Failure}: {Reason}";
}
