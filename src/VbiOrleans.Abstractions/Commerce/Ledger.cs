using VbiOrleans.Domain.Ledger;

namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// The double-entry ledger (docs/commerce.md): every movement of money is one <see cref="LedgerEntry"/>, a balanced
/// set of postings in integer mills, append-only and idempotent by its id. Entries that follow from a PSD transaction
/// are posted from the log feed with ids derived from (meter id, sequence), so a feed that delivers twice posts once.
/// A stateless worker over the <c>commerce</c> store; the store's primary key on the entry id makes a post idempotent
/// on any silo.
/// </summary>
public interface ILedgerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Posts an entry. The same id with the same postings again is <see cref="LedgerPostStatus.AlreadyPosted"/>; the
    /// same id with other postings is <see cref="LedgerPostStatus.Conflict"/>; postings that do not sum to zero (or
    /// an empty entry, or a negative amount) are <see cref="LedgerPostStatus.Unbalanced"/> and nothing is written.
    /// </summary>
    Task<LedgerPostResult> Post(LedgerEntry entry);

    /// <summary>The balance of one account (debits minus credits, in mills).</summary>
    Task<long> Balance(string account);

    /// <summary>Every account's debits and credits; debits equal credits in a sound ledger.</summary>
    Task<TrialBalance> TrialBalance();

    /// <summary>A customer's entries in [from, to), oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<LedgerEntry>> EntriesOf(string customerId, DateTimeOffset from, DateTimeOffset to, int limit);

    /// <summary>The entry with this id, if posted.</summary>
    Task<LedgerEntry?> Find(string entryId);

    /// <summary>
    /// The postings of one account on the entries with <c>At</c> in [from, to), one row per entry (its postings to the
    /// account summed), by entry id (ordinal), at most <paramref name="limit"/> after <paramref name="afterEntryId"/>.
    /// An account ending in <c>:*</c> (<c>postage-funds-held:*</c>) means every customer's account of that kind.
    /// </summary>
    Task<IReadOnlyList<AccountPosting>> PostingsOf(string account, DateTimeOffset from, DateTimeOffset to, string? afterEntryId, int limit);

    /// <summary>The movement of one account (or <c>kind:*</c>) on the entries with <c>At</c> in [from, to): debits and credits by entry kind.</summary>
    Task<AccountMovement> Movement(string account, DateTimeOffset from, DateTimeOffset to);
}

/// <summary>One entry's postings to an account (summed), with the entry's id, kind, time, customer and meter.</summary>
[GenerateSerializer, Immutable]
public sealed record AccountPosting(
    [property: Id(0)] string EntryId,
    [property: Id(1)] string Kind,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Account,
    [property: Id(4)] string? CustomerId,
    [property: Id(5)] string? MeterId,
    [property: Id(6)] long DebitMills,
    [property: Id(7)] long CreditMills);

/// <summary>The postings of one kind of entry to an account within a period: how many entries, their debits and credits.</summary>
[GenerateSerializer, Immutable]
public sealed record KindMovement([property: Id(0)] string Kind, [property: Id(1)] long Entries, [property: Id(2)] long DebitMills, [property: Id(3)] long CreditMills);

/// <summary>An account's movement within [From, To), by entry kind (ordinal order).</summary>
[GenerateSerializer, Immutable]
public sealed record AccountMovement(
    [property: Id(0)] string Account,
    [property: Id(1)] DateTimeOffset From,
    [property: Id(2)] DateTimeOffset To,
    [property: Id(3)] IReadOnlyList<KindMovement> ByKind)
{
    public long DebitMills => ByKind.Sum(k => k.DebitMills);
    public long CreditMills => ByKind.Sum(k => k.CreditMills);
    public KindMovement Of(string kind) => ByKind.FirstOrDefault(k => k.Kind == kind) ?? new KindMovement(kind, 0, 0, 0);

    /// <summary>Whether an account name asks for every customer's account of a kind (<c>postage-funds-held:*</c>).</summary>
    public static bool IsKindPattern(string account) => account.EndsWith(":*", StringComparison.Ordinal);
}

/// <summary>
/// The ledger's accounts by name. Accounts of one customer carry the customer id after a colon
/// (<c>postage-funds-held:u-…</c>), so a customer's balances are found by name and the trial balance lists them.
/// The names are the domain's (<see cref="ChartOfAccounts"/>), which the posting rules use.
/// </summary>
public static class LedgerAccounts
{
    /// <summary>Card captures not yet settled by the processor (asset).</summary>
    public const string CardClearing = ChartOfAccounts.CardClearing;
    /// <summary>ACH debits sent and not yet settled (asset).</summary>
    public const string AchClearing = ChartOfAccounts.AchClearing;
    /// <summary>The provider's bank account (asset).</summary>
    public const string Cash = ChartOfAccounts.Cash;
    /// <summary>Fees earned: plan fees, label fees (revenue).</summary>
    public const string FeeRevenue = ChartOfAccounts.FeeRevenue;
    /// <summary>Postage bought and not yet remitted to the postal authority's lockbox (liability).</summary>
    public const string RemittancePayable = ChartOfAccounts.RemittancePayable;
    /// <summary>Card disputes lost and charged back (expense).</summary>
    public const string Chargebacks = ChartOfAccounts.Chargebacks;
    /// <summary>The value of customers' meter balances that the postal authority holds (asset).</summary>
    public const string PostageAtPostalAuthority = ChartOfAccounts.PostageAtPostalAuthority;

    /// <summary>Postage funds held for the postal authority on behalf of a customer (liability; L1).</summary>
    public static string PostageFundsHeld(string customerId) => ChartOfAccounts.PostageFundsHeld(customerId);
    /// <summary>Refunds of unused postage approved for a customer and not yet paid (liability).</summary>
    public static string RefundsPayable(string customerId) => ChartOfAccounts.RefundsPayable(customerId);
    /// <summary>Fees invoiced or accrued and not yet collected from a customer (asset).</summary>
    public static string FeesReceivable(string customerId) => ChartOfAccounts.FeesReceivable(customerId);
    /// <summary>Credits granted to a customer by customer care, not yet used against fees (liability).</summary>
    public static string CustomerCredit(string customerId) => ChartOfAccounts.CustomerCredit(customerId);
    /// <summary>ACH debits of a customer that came back returned and are not yet paid (asset).</summary>
    public static string AchReturnsReceivable(string customerId) => ChartOfAccounts.AchReturnsReceivable(customerId);

    /// <summary>The customer id of a per-customer account name, or null for a shared account.</summary>
    public static string? CustomerOf(string account) => ChartOfAccounts.CustomerOf(account);
}

/// <summary>One side of an entry: exactly one of debit and credit is positive.</summary>
[GenerateSerializer, Immutable]
public sealed record Posting([property: Id(0)] string Account, [property: Id(1)] long DebitMills, [property: Id(2)] long CreditMills)
{
    public static Posting Debit(string account, long mills) => new(account, mills, 0);
    public static Posting Credit(string account, long mills) => new(account, 0, mills);

    public LedgerLine ToLine() => new(Account, DebitMills, CreditMills);

    public static Posting Of(LedgerLine line) => new(line.Account, line.DebitMills, line.CreditMills);
}

/// <summary>
/// A movement of money: its id (idempotency; e.g. <c>pvd:{meterId}:{sequence}</c>), its kind (<c>pvd</c>,
/// <c>refund</c>, <c>withdrawal</c>, <c>fee</c>, <c>capture</c>, <c>ach-settlement</c>, <c>ach-return</c>,
/// <c>chargeback</c>, <c>credit</c>, <c>remittance</c>, …), when it happened, whom it concerns, what it refers to
/// (a purchase, a charge, an invoice), a reason for people, and its postings.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LedgerEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string? CustomerId,
    [property: Id(4)] string? MeterId,
    [property: Id(5)] string? Reference,
    [property: Id(6)] string Memo,
    [property: Id(7)] IReadOnlyList<Posting> Postings);

public enum LedgerPostStatus
{
    Posted = 0,
    AlreadyPosted = 1,
    Conflict = 2,
    Unbalanced = 3,
}

[GenerateSerializer, Immutable]
public sealed record LedgerPostResult([property: Id(0)] LedgerPostStatus Status, [property: Id(1)] string? Message)
{
    public bool IsSuccess => Status is LedgerPostStatus.Posted or LedgerPostStatus.AlreadyPosted;
}

[GenerateSerializer, Immutable]
public sealed record AccountTotals([property: Id(0)] string Account, [property: Id(1)] long DebitMills, [property: Id(2)] long CreditMills);

[GenerateSerializer, Immutable]
public sealed record TrialBalance([property: Id(0)] IReadOnlyList<AccountTotals> Accounts, [property: Id(1)] long TotalDebitMills, [property: Id(2)] long TotalCreditMills)
{
    public bool Balances => TotalDebitMills == TotalCreditMills;
}
