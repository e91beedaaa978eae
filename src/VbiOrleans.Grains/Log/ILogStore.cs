namespace VbiOrleans.Grains.Log;

/// <summary>
/// A log row as it is appended: the public columns and the encrypted record. A row imported from the archive after
/// the module database was lost (<see cref="ArchivedLog"/>), or sealed in place by an earlier version, keeps its
/// record only inside its entry: such a row is read with its leaf index in <paramref name="EntryIndex"/>, and its
/// <paramref name="Record"/> is then the encoded entry, whose sealed secret holds the record.
/// </summary>
public sealed record PendingLogRow(
    string MeterId,
    long Sequence,
    byte Kind,
    long AmountMills,
    long AscendingMills,
    long DescendingMills,
    DateTimeOffset At,
    string ModuleSerial,
    byte[] PublicPayload,
    byte[] Record,
    long? EntryIndex = null);

/// <summary>A row taken for sealing: its arrival id and its content.</summary>
public sealed record UnsealedLogRow(long Id, PendingLogRow Row);

/// <summary>
/// A committed row as the log feed reads it: its position (the row's id in PostgreSQL, its arrival number in memory;
/// positions only grow in log order, and may skip numbers) and its content.
/// </summary>
public sealed record CommittedLogRow(long Position, PendingLogRow Row);

/// <summary>A row as the tree holds it: its leaf index, the encoded entry and its leaf hash.</summary>
public sealed record SealedLogRow(long Id, long LeafIndex, byte[] Entry, byte[] LeafHash);

/// <summary>A signed tree head as stored: the C2SP note, and the accumulator to continue the tree from.</summary>
public sealed record StoredCheckpoint(long Size, byte[] Root, string Note, byte[] Accumulator);

/// <summary>
/// Where the transaction log is kept: PostgreSQL (the module store's database) in the Cluster profile, memory in the
/// Local profile. Appends are durable when the task completes. Sealing is single-writer (the log sealer grain).
/// </summary>
public interface ILogStore
{
    string Description { get; }

    /// <summary>Appends the rows in one transaction: all are durable, or none.</summary>
    Task AppendAsync(IReadOnlyList<PendingLogRow> rows, CancellationToken cancellationToken = default);

    /// <summary>A meter's rows with a sequence above <paramref name="afterSequence"/>, in arrival order.</summary>
    Task<IReadOnlyList<PendingLogRow>> ReadMeterAsync(string meterId, long afterSequence, CancellationToken cancellationToken = default);

    /// <summary>A meter's rows with exactly this sequence, in arrival order (more than one only after a rollback).</summary>
    Task<IReadOnlyList<PendingLogRow>> ReadMeterAtAsync(string meterId, long sequence, CancellationToken cancellationToken = default);

    /// <summary>
    /// A meter's rows whose public payload (an indicium's signed bytes and signature) is exactly
    /// <paramref name="publicPayload"/>, in arrival order: how an indicium a scanner read is found in the records.
    /// </summary>
    Task<IReadOnlyList<PendingLogRow>> FindPayloadAsync(string meterId, byte[] publicPayload, CancellationToken cancellationToken = default);

    /// <summary>Every meter's latest row-changing record (for rebuilding the postal store), streamed in arrival order.</summary>
    IAsyncEnumerable<PendingLogRow> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>The meters that have records, in ordinal order, after <paramref name="after"/> (for paging).</summary>
    Task<IReadOnlyList<string>> MetersAsync(string? after, int limit, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<UnsealedLogRow>> TakeUnsealedAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Records the rows' leaf indices and entries and the new checkpoint, in one transaction.</summary>
    Task SealAsync(IReadOnlyList<SealedLogRow> rows, StoredCheckpoint checkpoint, CancellationToken cancellationToken = default);

    Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken = default);

    Task<StoredCheckpoint?> CheckpointAsync(long size, CancellationToken cancellationToken = default);

    /// <summary>The leaf hashes of the sealed entries from leaf index <paramref name="start"/> on, in index order.</summary>
    Task<IReadOnlyList<byte[]>> LeafHashesFromAsync(long start, CancellationToken cancellationToken = default);

    /// <summary>The sealed entries with leaf index in [start, end), in index order.</summary>
    Task<IReadOnlyList<byte[]>> SealedEntriesAsync(long start, long end, CancellationToken cancellationToken = default);

    Task<long> UnsealedCountAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> committed rows after position <paramref name="after"/>, in log order. Never a
    /// row after one that may still commit (an append in flight holds a lower position): the answer stops before it,
    /// and a later call returns it, so a reader that moves its cursor to the last position returned skips nothing.
    /// </summary>
    Task<IReadOnlyList<CommittedLogRow>> ReadCommittedAsync(long after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> rows whose time is in [<paramref name="from"/>, <paramref name="to"/>) with a
    /// position after <paramref name="after"/>, in log order: one business day for the nightly export.
    /// </summary>
    Task<IReadOnlyList<CommittedLogRow>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset to, long after, int limit,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// For each of the next <paramref name="limit"/> meters after <paramref name="afterMeter"/> (ordinal order) that
    /// have a row before <paramref name="before"/> whose kind is not one of <paramref name="skipKinds"/>, the one of
    /// those rows with the highest sequence (then the newest): the meters' registers at the end of a day, when the
    /// caller skips the kinds that are events.
    /// </summary>
    Task<IReadOnlyList<CommittedLogRow>> LatestBeforeAsync(DateTimeOffset before, string? afterMeter, int limit, IReadOnlyCollection<byte> skipKinds,
        CancellationToken cancellationToken = default);

    /// <summary>The position of the newest row appended (0 for an empty log): how far a feed reader can get.</summary>
    Task<long> HeadAsync(CancellationToken cancellationToken = default);

    /// <summary>The log feed cursor of a consumer: the position of the last row it applied (0 before any).</summary>
    Task<long> FeedPositionAsync(string consumer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a consumer's cursor to <paramref name="position"/>; never back (a second reader that lags behind, in a
    /// failover, cannot undo the first one's progress), except with <paramref name="rewind"/>, which sets it as given.
    /// </summary>
    Task SetFeedPositionAsync(string consumer, long position, bool rewind = false, CancellationToken cancellationToken = default);

    Task<byte[]?> GetStateAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Sets a named value; with <paramref name="onlyIfAbsent"/> an existing value is kept and returned.</summary>
    Task<byte[]> SetStateAsync(string name, byte[] value, bool onlyIfAbsent = false, CancellationToken cancellationToken = default);
}
