namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// Card settlement (key 0; docs/commerce.md, "Card settlement"): once a day the processor pays out what card clearing
/// holds, net of refunds and chargebacks. For each day D that is <c>SettlementDays</c> old, the card-clearing balance of
/// the entries dated before the end of D moves to cash, <c>card-settled:{D}</c> (DR cash, CR card-clearing; the other way
/// round when refunds and chargebacks exceed captures). Run by a reminder and by hand; each day posts once.
/// </summary>
public interface ICardSettlementGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the grain, which registers its reminder.</summary>
    Task Schedule();

    /// <summary>Settles every day up to <paramref name="through"/> not settled yet (at most a bound of days a run), or refuses a day too recent.</summary>
    Task<CardSettlementRun> Settle(DateOnly through);
}

/// <summary>One day settled: its entry id and the amount moved to cash (negative: from cash back to card clearing).</summary>
[GenerateSerializer, Immutable]
public sealed record CardSettlementDay([property: Id(0)] DateOnly Date, [property: Id(1)] string EntryId, [property: Id(2)] long AmountMills, [property: Id(3)] bool Posted);

[GenerateSerializer, Immutable]
public sealed record CardSettlementRun([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] IReadOnlyList<CardSettlementDay> Days)
{
    public bool IsSuccess => Error == ErrorCode.None;
}
