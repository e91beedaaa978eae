namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// Chargebacks (docs/commerce.md, "Chargebacks"; key 0): the card charges we captured are swept for disputes by a
/// reminder, a bounded number a sweep, least recently checked first. A dispute found is recorded first, then its
/// effects, each idempotent: the ledger entry <c>chargeback:{dispute}</c> (DR chargebacks, CR card-clearing), the
/// customer's account locked (<see cref="AccountLockReason.Chargeback"/>, reference the dispute id), the purchase
/// reversed, an alert. A sweep again, or a crash between the steps, applies nothing twice.
/// </summary>
public interface IChargebackGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the grain, which registers its reminder.</summary>
    Task Schedule();

    /// <summary>One sweep now: finishes disputes recorded earlier, then checks the charges due.</summary>
    Task<DisputeSweepResult> Sweep();

    /// <summary>A customer's disputed charges, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ChargebackView>> Chargebacks(string customerId, int limit);
}

/// <summary>A disputed card charge: what it paid for (a purchase, an invoice, a returned debit) and the dispute.</summary>
[GenerateSerializer, Immutable]
public sealed record ChargebackView(
    [property: Id(0)] string ChargeId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string Purpose,
    [property: Id(3)] string Reference,
    [property: Id(4)] long ChargeMills,
    [property: Id(5)] string DisputeId,
    [property: Id(6)] long DisputeMills,
    [property: Id(7)] string Reason,
    [property: Id(8)] DateTimeOffset DisputedAt,
    [property: Id(9)] bool Applied);

/// <summary>
/// What one sweep did: how many charges it asked the provider about, how many the provider did not answer (asked
/// again next sweep), and the chargebacks it applied (found now, or recorded by an earlier sweep a crash cut short).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DisputeSweepResult(
    [property: Id(0)] int Checked,
    [property: Id(1)] int Unanswered,
    [property: Id(2)] IReadOnlyList<ChargebackView> Applied);
