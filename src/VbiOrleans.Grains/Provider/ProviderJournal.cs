namespace VbiOrleans.Grains.Provider;

/// <summary>
/// One committed log record as the provider keeps it (public facts only): the provider's log feed consumer writes
/// every record here, the resetting report reads a day of them. <see cref="Reference"/> is the PVD's payment reference,
/// the refunded indicium's id, or the licensing ZIP; <see cref="Note"/> an event's note.
/// </summary>
public sealed record JournalEntry(
    string MeterId, long Sequence, byte Kind, DateTimeOffset At, long AmountMills, long? AscendingMills, long? DescendingMills,
    string ModuleSerial, string Reference, string Note);

/// <summary>
/// The provider's copy of the log's public facts, by time (the log itself is indexed by meter): PostgreSQL in the
/// commerce database (infra/sql/55-provider.sql) in the Cluster profile, memory in the Local profile. Adding is
/// idempotent by (meter, sequence, kind, time), so the feed's at-least-once delivery adds each record once.
/// </summary>
public interface IProviderJournal
{
    Task AddAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>The entries with <c>from &lt;= At &lt; to</c>.</summary>
    Task<IReadOnlyList<JournalEntry>> BetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>
    /// For every licensed meter (one with a licence record before <paramref name="before"/>), its last entry with
    /// registers before then: the registers at the close.
    /// </summary>
    Task<IReadOnlyList<JournalEntry>> RegistersBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}

/// <summary>The journal in memory (Local profile): lost with the process, as everything of that profile is.</summary>
public sealed class MemoryProviderJournal : IProviderJournal
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, long, byte, DateTimeOffset), JournalEntry> _entries = [];

    public Task AddAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var e in entries) _entries.TryAdd((e.MeterId, e.Sequence, e.Kind, e.At), e);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JournalEntry>> BetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<JournalEntry>>([.. _entries.Values.Where(e => e.At >= from && e.At < to)]);
        }
    }

    public Task<IReadOnlyList<JournalEntry>> RegistersBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var licensed = _entries.Values.Where(e => e.Kind == (byte)Domain.Transactions.TransactionKind.License && e.At < before).Select(e => e.MeterId).ToHashSet();
            return Task.FromResult<IReadOnlyList<JournalEntry>>([.. _entries.Values
                .Where(e => licensed.Contains(e.MeterId) && e.At < before && e.AscendingMills is not null)
                .GroupBy(e => e.MeterId)
                .Select(g => g.OrderBy(e => e.At).ThenBy(e => e.Sequence).Last())]);
        }
    }
}
