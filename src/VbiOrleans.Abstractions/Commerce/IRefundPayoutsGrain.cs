namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// Refunds of unused postage paid out to one customer (key: the customer id, <c>commerce</c> store; docs/commerce.md,
/// "Refunds paid out"). A withdrawal credits <c>refunds-payable:c</c> from the log; the refunds consumer of the log
/// feed hands each one here, and it is paid back the way the customer pays: to a card default, refunds against the
/// customer's captured card charges, newest first; to a bank account default, an ACH credit in the day's NACHA file.
/// The plan is written before any call and each refund carries the key <c>refund-paid:{id}:{charge}</c> (the credit is
/// queued once under <c>refund-paid:{id}</c>), so a crash repeats calls answered the same way; once every part is
/// paid, <c>refund-paid:{id}</c> is posted (DR refunds-payable:c, CR card-clearing or ach-clearing) exactly once.
/// </summary>
public interface IRefundPayoutsGrain : IGrainWithStringKey
{
    /// <summary>Records the payout (idempotent by its id) and pays it now if it can; its reminder finishes it otherwise.</summary>
    Task<RefundPayoutView> Pay(RefundPayoutRequest request);

    /// <summary>The customer's payouts, newest first (those pending and the last ones paid).</summary>
    Task<IReadOnlyList<RefundPayoutView>> Payouts();
}

/// <summary>A refund owed from the log: the withdrawal at (meter, sequence) of <paramref name="AmountMills"/>; id <c>{meter}:{sequence}</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record RefundPayoutRequest(
    [property: Id(0)] string Id,
    [property: Id(1)] string MeterId,
    [property: Id(2)] long Sequence,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] DateTimeOffset At);

public enum RefundPayoutStatus
{
    /// <summary>Recorded; not all of it paid yet (the reminder goes on).</summary>
    Pending = 1,
    /// <summary>Paid and posted.</summary>
    Paid = 2,
    /// <summary>It cannot be paid as planned or at all (no refundable charge covers it, a charge refused its refund): an operator decides.</summary>
    Stuck = 3,
}

/// <summary>
/// One part of a payout: <paramref name="Method"/> <c>card</c>, a refund against the card charge
/// <paramref name="Reference"/> (<paramref name="PaidReference"/> the provider's refund id once made); or <c>ach</c>,
/// an ACH credit to the bank account <paramref name="Reference"/> (a payment method id; the credit's trace number once queued).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RefundPayoutPart(
    [property: Id(0)] string Method,
    [property: Id(1)] string Reference,
    [property: Id(2)] long AmountMills,
    [property: Id(3)] string? PaidReference)
{
    public const string Card = "card";
    public const string Ach = "ach";
}

[GenerateSerializer, Immutable]
public sealed record RefundPayoutView(
    [property: Id(0)] string Id,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string MeterId,
    [property: Id(3)] long Sequence,
    [property: Id(4)] long AmountMills,
    [property: Id(5)] RefundPayoutStatus Status,
    /// <summary>What is paid back: the amount in whole cents (a remainder under a cent stays payable).</summary>
    [property: Id(6)] long PaidMills,
    [property: Id(7)] IReadOnlyList<RefundPayoutPart> Parts,
    [property: Id(8)] string? Failure,
    [property: Id(9)] DateTimeOffset? PaidAt);
