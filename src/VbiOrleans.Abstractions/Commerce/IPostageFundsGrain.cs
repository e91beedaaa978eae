namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// The postage-funds reconciliation (docs/commerce.md, "Reconciliation"): L1 per customer, comparing the ledger's
/// balances with the sum of DR over the customer's meters at the same log position (the ledger consumer's), and each
/// meter's live registers with the log where they are at the same sequence. A stateless worker; any difference is
/// logged at Error (event 2042 <c>LedgerL1Difference</c>, 2043 <c>LedgerRegistersDisagree</c>) and counted.
/// </summary>
public interface IPostageFundsGrain : IGrainWithIntegerKey
{
    Task<PostageFundsReport> Reconcile();
}

/// <summary>
/// One customer's L1: postage funds held (credit balances of <c>postage-funds-held:c</c> and <c>refunds-payable:c</c>),
/// the sum of DR over their meters as of the ledger's log position, refunds approved and not yet paid, and the
/// difference (funds held minus DR minus refunds payable; 0 when L1 holds).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CustomerPostageFunds(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] long PostageFundsHeldMills,
    [property: Id(2)] long SumOfDescendingMills,
    [property: Id(3)] long RefundsPayableMills,
    [property: Id(4)] long DifferenceMills,
    [property: Id(5)] int Meters);

/// <summary>A meter whose live registers, at the sequence the ledger applied, show another DR than the log did.</summary>
[GenerateSerializer, Immutable]
public sealed record MeterRegistersDisagreement(
    [property: Id(0)] string MeterId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] long Sequence,
    [property: Id(3)] long LoggedDescendingMills,
    [property: Id(4)] long LiveDescendingMills);

/// <summary>
/// The reconciliation: per customer and in total, where the ledger stands in the log, how many meters were compared
/// live (a meter that moved on since the ledger applied its last record is compared at the next run), and whether
/// everything agrees.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PostageFundsReport(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] long LedgerPosition,
    [property: Id(2)] long LogHead,
    [property: Id(3)] IReadOnlyList<CustomerPostageFunds> Customers,
    [property: Id(4)] long TotalPostageFundsHeldMills,
    [property: Id(5)] long TotalSumOfDescendingMills,
    [property: Id(6)] long TotalRefundsPayableMills,
    [property: Id(7)] long TotalDifferenceMills,
    [property: Id(8)] int MetersComparedLive,
    [property: Id(9)] int MetersAheadOfLedger,
    [property: Id(10)] IReadOnlyList<MeterRegistersDisagreement> Disagreements)
{
    public bool Reconciled => Customers.All(c => c.DifferenceMills == 0) && Disagreements.Count == 0;
}
