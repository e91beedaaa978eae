using VbiOrleans.Abstractions.Commerce;

namespace VbiOrleans.Grains.Commerce;

/// <summary>The ledger in memory, for the Local profile: the same rules as <see cref="PostgresLedgerStore"/>, lost at exit.</summary>
public sealed class MemoryLedgerStore : ILedgerStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LedgerEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<LedgerEntry> _inOrder = [];
    private readonly Dictionary<string, LedgerMeterRegisters> _meters = new(StringComparer.Ordinal);

    public string Description => "memory";

    public Task<IReadOnlyList<LedgerPostResult>> PostAsync(IReadOnlyList<LedgerEntry> entries, IReadOnlyList<LedgerMeterRegisters> meters,
        CancellationToken cancellationToken = default)
    {
        var results = new List<LedgerPostResult>(entries.Count);
        lock (_lock)
        {
            foreach (var entry in entries)
            {
                if (LedgerEntryChecks.Refusal(entry) is { } refused) results.Add(refused);
                else if (_entries.TryGetValue(entry.Id, out var posted)) results.Add(LedgerEntryChecks.AlreadyOrConflict(entry, posted.Postings));
                else
                {
                    _entries[entry.Id] = entry;
                    _inOrder.Add(entry);
                    results.Add(new(LedgerPostStatus.Posted, null));
                }
            }
            foreach (var m in meters)
            {
                if (!_meters.TryGetValue(m.MeterId, out var known) || m.Sequence > known.Sequence) _meters[m.MeterId] = m;
            }
        }
        return Task.FromResult<IReadOnlyList<LedgerPostResult>>(results);
    }

    public Task<long> BalanceAsync(string account, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult(_inOrder.SelectMany(e => e.Postings).Where(p => p.Account == account).Sum(p => p.DebitMills - p.CreditMills));
    }

    public Task<long> BalanceBeforeAsync(string account, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult(_inOrder.Where(e => e.At < before).SelectMany(e => e.Postings).Where(p => p.Account == account).Sum(p => p.DebitMills - p.CreditMills));
    }

    public Task<IReadOnlyList<AccountTotals>> TotalsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<AccountTotals>>([.. _inOrder.SelectMany(e => e.Postings)
                .GroupBy(p => p.Account, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new AccountTotals(g.Key, g.Sum(p => p.DebitMills), g.Sum(p => p.CreditMills)))]);
        }
    }

    public Task<IReadOnlyList<LedgerEntry>> EntriesOfAsync(string customerId, DateTimeOffset from, DateTimeOffset to, int limit,
        CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<LedgerEntry>>([.. _inOrder.Where(e => e.CustomerId == customerId && e.At >= from && e.At < to)
                .OrderBy(e => e.At).ThenBy(e => e.Id, StringComparer.Ordinal).Take(limit)]);
        }
    }

    public Task<IReadOnlyList<LedgerEntry>> EntriesBetweenAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset? afterAt, string? afterId,
        int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<LedgerEntry>>([.. _inOrder.Where(e => e.At >= from && e.At < to)
                .Where(e => afterAt is not { } at || e.At > at || (e.At == at && string.CompareOrdinal(e.Id, afterId ?? "") > 0))
                .OrderBy(e => e.At).ThenBy(e => e.Id, StringComparer.Ordinal).Take(limit)]);
        }
    }

    public Task<LedgerEntry?> FindAsync(string entryId, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_entries.GetValueOrDefault(entryId));
    }

    public Task<PostageFundsSnapshot> PostageFundsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var balances = _inOrder.SelectMany(e => e.Postings)
                .Where(p => p.Account.StartsWith(LedgerAccounts.PostageFundsHeld(""), StringComparison.Ordinal) || p.Account.StartsWith(LedgerAccounts.RefundsPayable(""), StringComparison.Ordinal))
                .GroupBy(p => p.Account, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(p => p.DebitMills - p.CreditMills), StringComparer.Ordinal);
            return Task.FromResult(new PostageFundsSnapshot(balances, [.. _meters.Values.OrderBy(m => m.MeterId, StringComparer.Ordinal)]));
        }
    }

    private static bool Matches(string pattern, string account) => AccountMovement.IsKindPattern(pattern)
        ? account.StartsWith(pattern[..^1], StringComparison.Ordinal)
        : account == pattern;

    private IEnumerable<AccountPosting> PostingsOf(string account, DateTimeOffset from, DateTimeOffset to) =>
        _inOrder.Where(e => e.At >= from && e.At < to)
            .Select(e => (Entry: e, Lines: e.Postings.Where(p => Matches(account, p.Account)).ToList()))
            .Where(x => x.Lines.Count > 0)
            .Select(x => new AccountPosting(x.Entry.Id, x.Entry.Kind, x.Entry.At, x.Lines.Select(p => p.Account).Min(StringComparer.Ordinal)!,
                x.Entry.CustomerId, x.Entry.MeterId, x.Lines.Sum(p => p.DebitMills), x.Lines.Sum(p => p.CreditMills)));

    public Task<IReadOnlyList<AccountPosting>> PostingsOfAsync(string account, DateTimeOffset from, DateTimeOffset to, string? afterEntryId, int limit,
        CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<AccountPosting>>([.. PostingsOf(account, from, to)
                .Where(p => afterEntryId is null || string.CompareOrdinal(p.EntryId, afterEntryId) > 0)
                .OrderBy(p => p.EntryId, StringComparer.Ordinal).Take(limit)]);
        }
    }

    public Task<AccountMovement> MovementAsync(string account, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(new AccountMovement(account, from, to, [.. PostingsOf(account, from, to)
                .GroupBy(p => p.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new KindMovement(g.Key, g.Count(), g.Sum(p => p.DebitMills), g.Sum(p => p.CreditMills)))]));
        }
    }
}
