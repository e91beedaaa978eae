namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// Customer care's actions on one customer (key: the customer id; docs/commerce.md, "Customer care"): credits and fee
/// refunds posted to the ledger with a reason, locks and unlocks of the account (<see cref="ICommerceAccountGrain"/>),
/// and the customer's ledger entries. A stateless worker: the ledger and the account grain keep the state. Every
/// money-moving action is idempotent by its key: the entry id is made from it.
/// </summary>
public interface ICustomerCareGrain : IGrainWithStringKey
{
    /// <summary>The reference of customer care's own lock: one per account.</summary>
    const string OperatorLockReference = "customer-care";

    /// <summary>A credit against later fees: DR fee-revenue, CR customer-credit:c (entry <c>credit:{customer}:{key}</c>).</summary>
    Task<CareResult> Credit(CareMoneyRequest request);

    /// <summary>A fee refunded to the customer's credit: DR fee-revenue, CR customer-credit:c (entry <c>fee-refund:{customer}:{key}</c>).</summary>
    Task<CareResult> RefundFee(CareMoneyRequest request);

    /// <summary>Locks new postage value downloads by customer care (reason <see cref="AccountLockReason.Operator"/>, one such lock per account).</summary>
    Task<CareResult> Lock(string note, string by);

    /// <summary>Lifts the lock of this reason and reference (customer care's own by default), with a note for the log.</summary>
    Task<CareResult> Unlock(AccountLockReason reason, string reference, string note, string by);

    /// <summary>The customer's standing, operator notes included.</summary>
    Task<CareResult> Standing();

    /// <summary>The customer's ledger entries in [from, to), oldest first, at most <paramref name="limit"/>.</summary>
    Task<CarePayments> Payments(DateTimeOffset from, DateTimeOffset to, int limit);
}

[GenerateSerializer, Immutable]
public sealed record CareMoneyRequest(
    [property: Id(0)] long AmountMills,
    [property: Id(1)] string Reason,
    [property: Id(2)] string IdempotencyKey,
    [property: Id(3)] string By,
    /// <summary>For a fee refund: what it refunds (an invoice, a fee entry), or null.</summary>
    [property: Id(4)] string? Reference = null);

/// <summary>What an action did: the entry posted (or posted before with the same key), the standing, or a named error.</summary>
[GenerateSerializer, Immutable]
public sealed record CareResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] LedgerEntry? Entry = null,
    [property: Id(3)] bool AlreadyPosted = false,
    [property: Id(4)] AccountStanding? Standing = null)
{
    public bool IsSuccess => Error == ErrorCode.None;
    public static CareResult Fail(ErrorCode error, string message) => new(error, message);
}

[GenerateSerializer, Immutable]
public sealed record CarePayments([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] IReadOnlyList<LedgerEntry> Entries)
{
    public bool IsSuccess => Error == ErrorCode.None;
}
