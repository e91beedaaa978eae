using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Ledger;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// A meter's registers as far as the ledger's log-feed consumer has applied its records: the DR that L1 compares the
/// customer's postage funds held with, at the same log position as the postings (docs/commerce.md, "Reconciliation").
/// </summary>
public sealed record LedgerMeterRegisters(string MeterId, string CustomerId, long Sequence, long DescendingMills);

/// <summary>
/// What the postage-funds reconciliation reads in one snapshot of the store: the balances of every customer's
/// <c>postage-funds-held:</c> and <c>refunds-payable:</c> accounts, and the registers of every meter the ledger has
/// applied records of. One snapshot, so a batch the feed applies meanwhile is either wholly in it or not at all.
/// </summary>
public sealed record PostageFundsSnapshot(IReadOnlyDictionary<string, long> Balances, IReadOnlyList<LedgerMeterRegisters> Meters);

/// <summary>
/// Where the ledger is kept: PostgreSQL (infra/sql/52-ledger.sql, in the commerce database) in the Cluster profile,
/// memory in the Local profile. Append-only: an entry and its postings are inserted once, in one transaction, and never
/// updated or deleted; the entry id is the primary key, so a second post of an id compares instead of writing.
/// </summary>
public interface ILedgerStore
{
    string Description { get; }

    /// <summary>
    /// Posts the entries and records the meters' registers, all in one transaction. Each entry is checked first
    /// (<see cref="LedgerEntryChecks"/>: an entry that breaks I7 is <see cref="LedgerPostStatus.Unbalanced"/> and
    /// written nowhere); an id already posted is <see cref="LedgerPostStatus.AlreadyPosted"/> with the same postings and
    /// <see cref="LedgerPostStatus.Conflict"/> with others. A meter's registers only move forward (by sequence), so a
    /// batch delivered again leaves them as they were. One result per entry, in order.
    /// </summary>
    Task<IReadOnlyList<LedgerPostResult>> PostAsync(IReadOnlyList<LedgerEntry> entries, IReadOnlyList<LedgerMeterRegisters> meters,
        CancellationToken cancellationToken = default);

    /// <summary>Debits minus credits of one account, in mills (0 for an account with no postings).</summary>
    Task<long> BalanceAsync(string account, CancellationToken cancellationToken = default);

    /// <summary>Debits minus credits of one account over the entries dated before <paramref name="before"/> (card settlement's cut-off).</summary>
    Task<long> BalanceBeforeAsync(string account, DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>Every account's total debits and credits, by account name.</summary>
    Task<IReadOnlyList<AccountTotals>> TotalsAsync(CancellationToken cancellationToken = default);

    /// <summary>A customer's entries with <c>at</c> in [from, to), oldest first (then by id), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<LedgerEntry>> EntriesOfAsync(string customerId, DateTimeOffset from, DateTimeOffset to, int limit,
        CancellationToken cancellationToken = default);

    Task<LedgerEntry?> FindAsync(string entryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every customer's entries with <c>at</c> in [from, to), with their postings, in (at, id ordinal) order, after the
    /// entry (<paramref name="afterAt"/>, <paramref name="afterId"/>) when given, at most <paramref name="limit"/>: the
    /// nightly export's read of a day.
    /// </summary>
    Task<IReadOnlyList<LedgerEntry>> EntriesBetweenAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset? afterAt, string? afterId, int limit,
        CancellationToken cancellationToken = default);

    Task<PostageFundsSnapshot> PostageFundsAsync(CancellationToken cancellationToken = default);

    /// <summary>See <see cref="ILedgerGrain.PostingsOf"/>: per entry with <c>at</c> in [from, to), by entry id after <paramref name="afterEntryId"/>.</summary>
    Task<IReadOnlyList<AccountPosting>> PostingsOfAsync(string account, DateTimeOffset from, DateTimeOffset to, string? afterEntryId, int limit,
        CancellationToken cancellationToken = default);

    /// <summary>See <see cref="ILedgerGrain.Movement"/>.</summary>
    Task<AccountMovement> MovementAsync(string account, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}

/// <summary>The checks every store makes before it writes an entry.</summary>
public static class LedgerEntryChecks
{
    public const int MaxIdLength = 200;
    public const int MaxMemoLength = 500;
    public const int MaxPostings = 16;

    /// <summary>Null when the entry may be written, else the refusal (nothing is written).</summary>
    public static LedgerPostResult? Refusal(LedgerEntry entry)
    {
        if (entry.Id is not { Length: > 0 and <= MaxIdLength } || entry.Id.Any(char.IsControl))
            return new(LedgerPostStatus.Unbalanced, $"an entry id is 1 to {MaxIdLength} characters without control characters");
        if (string.IsNullOrWhiteSpace(entry.Kind) || entry.Kind.Length > 40 || entry.Memo is null || entry.Memo.Length > MaxMemoLength)
            return new(LedgerPostStatus.Unbalanced, $"entry {entry.Id}: a kind of 1 to 40 characters and a memo of at most {MaxMemoLength}");
        if (entry.Postings is null || entry.Postings.Count > MaxPostings)
            return new(LedgerPostStatus.Unbalanced, $"entry {entry.Id}: at most {MaxPostings} postings");
        var violation = EntryRules.Check([.. entry.Postings.Select(p => p.ToLine())]);
        return violation == EntryViolation.None ? null : new(LedgerPostStatus.Unbalanced, $"entry {entry.Id} is refused: {violation} (I7)");
    }

    /// <summary>Whether an entry posted earlier is the same movement as the one posted now (postings compared, in any order).</summary>
    public static bool Same(IReadOnlyList<Posting> posted, IReadOnlyList<Posting> now) =>
        EntryRules.SamePostings(posted.Select(p => p.ToLine()), now.Select(p => p.ToLine()));

    public static LedgerPostResult AlreadyOrConflict(LedgerEntry entry, IReadOnlyList<Posting> posted) => Same(posted, entry.Postings)
        ? new(LedgerPostStatus.AlreadyPosted, null)
        : new(LedgerPostStatus.Conflict, $"entry {entry.Id} was posted before with other postings");
}
