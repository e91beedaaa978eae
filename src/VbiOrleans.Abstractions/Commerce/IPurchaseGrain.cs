namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// One purchase of postage (key: the purchase id, <c>pur_…</c>, in the <c>commerce</c> store): one payment for one
/// postage value download of exactly its amount on one meter (docs/commerce.md). Authorized on a payment method
/// before the PVD; claimed by the module session as it accepts the PVD that carries its id; settled (the card charge
/// captured, or the ACH debit queued) from the log feed once the PVD is durable; released when no PVD came.
/// </summary>
public interface IPurchaseGrain : IGrainWithStringKey
{
    /// <summary>Authorizes the amount on the payment method (idempotent: the same request again answers the same purchase).</summary>
    Task<PurchaseResult> Authorize(PurchaseRequest request);

    Task<PurchaseView?> Get();

    /// <summary>
    /// The module session's check before a PVD: the purchase is authorized, for this meter, of exactly this amount,
    /// and not used by another request (<c>PurchaseNotAuthorized</c>, <c>PurchaseAlreadyUsed</c>,
    /// <c>PurchaseAmountMismatch</c>). The same request (its idempotency key) may claim again. The claim names the
    /// sequence the PVD will have, where the purchase later looks for it in the log.
    /// </summary>
    Task<PurchaseResult> Claim(string meterId, long amountMills, string requestKey, long pvdSequence);

    /// <summary>The module refused the claimed PVD (nothing was made): the purchase is free again for another request.</summary>
    Task Unclaim(string requestKey);

    /// <summary>The PVD of this purchase is durable in the log at (meter, sequence): capture the charge (idempotent).</summary>
    Task<PurchaseResult> Settle(string meterId, long sequence);

    /// <summary>
    /// The payment failed after its PVD (an ACH return, a chargeback): the purchase is marked reversed, once per
    /// reference. The ledger's reversal and the account's lock are the caller's; the postage stays in the meter.
    /// </summary>
    Task<PurchaseResult> Reverse(string reason, string reference);
}

public enum PaymentMethodKind
{
    Card = 1,
    BankAccount = 2,
}

public enum PurchaseStatus
{
    /// <summary>The payment is authorized; no PVD has claimed it.</summary>
    Authorized = 1,
    /// <summary>A PVD request claimed it; the PVD is not known to be durable yet.</summary>
    Claimed = 2,
    /// <summary>The PVD is durable and the payment settled: the card charge captured, or the ACH debit queued.</summary>
    Settled = 3,
    /// <summary>No PVD came in time (or the PVD was refused): the authorization was released, nothing charged.</summary>
    Released = 4,
    /// <summary>The payment failed after the PVD (an ACH return, a chargeback): reversed in the ledger.</summary>
    Reversed = 5,
}

[GenerateSerializer, Immutable]
public sealed record PurchaseRequest(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string MeterId,
    [property: Id(2)] long AmountMills,
    [property: Id(3)] string PaymentMethodId,
    [property: Id(4)] string RequestKey);

[GenerateSerializer, Immutable]
public sealed record PurchaseView(
    [property: Id(0)] string Id,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string MeterId,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] string PaymentMethodId,
    [property: Id(5)] PaymentMethodKind MethodKind,
    [property: Id(6)] PurchaseStatus Status,
    [property: Id(7)] string? ChargeId,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] long? PvdSequence,
    [property: Id(10)] DateTimeOffset? SettledAt);

[GenerateSerializer, Immutable]
public sealed record PurchaseResult([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] PurchaseView? Purchase)
{
    public bool IsSuccess => Error == ErrorCode.None;
    public static PurchaseResult Fail(ErrorCode error, string message) => new(error, message, null);
}
