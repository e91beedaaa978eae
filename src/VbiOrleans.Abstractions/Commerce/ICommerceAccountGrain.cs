namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// A customer's standing with the business (key: customer id, <c>commerce</c> store): whether new postage value
/// downloads are locked and why. A returned ACH debit and a failed invoice collection lock the account until paid
/// (39 CFR 501.16); customer care locks and unlocks by hand. Each lock has a reason and a reference, and is lifted
/// only for that reason and reference, so paying one returned debit does not lift a lock for an unpaid invoice.
/// </summary>
public interface ICommerceAccountGrain : IGrainWithStringKey
{
    Task<AccountStanding> Standing();

    /// <summary>Adds a lock (idempotent by reason and reference).</summary>
    Task<AccountStanding> Lock(AccountLock accountLock);

    /// <summary>Lifts the lock with this reason and reference (idempotent).</summary>
    Task<AccountStanding> Unlock(AccountLockReason reason, string reference, string by);
}

public enum AccountLockReason
{
    /// <summary>An ACH debit came back returned (R01, R02, …) and is not yet paid.</summary>
    AchReturned = 1,
    /// <summary>An invoice could not be collected after its retries.</summary>
    InvoiceUnpaid = 2,
    /// <summary>Locked by customer care.</summary>
    Operator = 3,
    /// <summary>A card charge was disputed.</summary>
    Chargeback = 4,
}

[GenerateSerializer, Immutable]
public sealed record AccountLock(
    [property: Id(0)] AccountLockReason Reason,
    [property: Id(1)] string Reference,
    [property: Id(2)] string Note,
    [property: Id(3)] string By,
    [property: Id(4)] DateTimeOffset At);

[GenerateSerializer, Immutable]
public sealed record AccountStanding([property: Id(0)] string CustomerId, [property: Id(1)] IReadOnlyList<AccountLock> Locks)
{
    public bool Locked => Locks.Count > 0;
}
