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
}

/// <summary>
/// The ledger's accounts by name. Accounts of one customer carry the customer id after a colon
/// (<c>postage-funds-held:u-…</c>), so a customer's balances are found by name and the trial balance lists them.
/// </summary>
public static class LedgerAccounts
{
    /// <summary>Card captures not yet settled by the processor (asset).</summary>
    public const string CardClearing = "card-clearing";
    /// <summary>ACH debits sent and not yet settled (asset).</summary>
    public const string AchClearing = "ach-clearing";
    /// <summary>The provider's bank account (asset).</summary>
    public const string Cash = "cash";
    /// <summary>Fees earned: plan fees, label fees (revenue).</summary>
    public const string FeeRevenue = "fee-revenue";
    /// <summary>Postage bought and not yet remitted to the postal authority's lockbox (liability).</summary>
    public const string RemittancePayable = "remittance-payable";
    /// <summary>Card disputes lost and charged back (expense).</summary>
    public const string Chargebacks = "chargebacks";

    /// <summary>Postage funds held for the postal authority on behalf of a customer (liability; L1).</summary>
    public static string PostageFundsHeld(string customerId) => $"postage-funds-held:{customerId}";
    /// <summary>Refunds of unused postage approved for a customer and not yet paid (liability).</summary>
    public static string RefundsPayable(string customerId) => $"refunds-payable:{customerId}";
    /// <summary>Fees invoiced or accrued and not yet collected from a customer (asset).</summary>
    public static string FeesReceivable(string customerId) => $"fees-receivable:{customerId}";
    /// <summary>Credits granted to a customer by customer care, not yet used against fees (liability).</summary>
    public static string CustomerCredit(string customerId) => $"customer-credit:{customerId}";
    /// <summary>Returned ACH debits a customer owes us until paid (asset; docs/commerce.md, ACH).</summary>
    public static string AchReturnsReceivable(string customerId) => $"ach-returns-receivable:{customerId}";

    /// <summary>The customer id of a per-customer account name, or null for a shared account.</summary>
    public static string? CustomerOf(string account) => account.IndexOf(':') is var i and > 0 ? account[(i + 1)..] : null;
}

/// <summary>One side of an entry: exactly one of debit and credit is positive.</summary>
[GenerateSerializer, Immutable]
public sealed record Posting([property: Id(0)] string Account, [property: Id(1)] long DebitMills, [property: Id(2)] long CreditMills)
{
    public static Posting Debit(string account, long mills) => new(account, mills, 0);
    public static Posting Credit(string account, long mills) => new(account, 0, mills);
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
