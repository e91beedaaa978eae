namespace VbiOrleans.Abstractions.Provider;

/// <summary>
/// The daily reconciliation of one business day (key <c>yyyy-MM-dd</c>; docs/provider-files.md): the day's PVDs,
/// refunds and withdrawals in the log = in the resetting file = in the ledger; the remittance file's credit = the
/// movement of remittance payable = the resetting file's net postage, and the ledger's <c>remittance:{D}</c> posts it;
/// each meter's registers at the close in the resetting file = the log's. Run by the provider services once every
/// service's file of the day is verified; the report is stored (commerce database, memory in the Local profile).
/// </summary>
public interface IReconciliationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Reconciles the day again if every provider service's file of it is verified (else says which is not, and stores
    /// nothing), stores the report and raises an alert for each difference.
    /// </summary>
    [ResponseTimeout(ProviderCalls.RunTimeout)]
    Task<ReconciliationRun> Run();

    /// <summary>The day's report as last stored, or null if the day was never reconciled.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<DailyReconciliationReport?> Report();
}

/// <summary>A run: its report, or why the day is not reconciled yet (a service's file not verified).</summary>
[GenerateSerializer, Immutable]
public sealed record ReconciliationRun([property: Id(0)] DailyReconciliationReport? Report, [property: Id(1)] string? Waiting);

/// <summary>One difference: the check, the meter (sequence) or customer, expected and found in mills, a sentence.</summary>
[GenerateSerializer, Immutable]
public sealed record ReconciliationDifferenceView(
    [property: Id(0)] string Check,
    [property: Id(1)] string? MeterId,
    [property: Id(2)] long? Sequence,
    [property: Id(3)] string? CustomerId,
    [property: Id(4)] long? ExpectedMills,
    [property: Id(5)] long? FoundMills,
    [property: Id(6)] long DifferenceMills,
    [property: Id(7)] string Detail);

/// <summary>
/// A day's reconciliation as stored: each side's totals in mills, the remittance, the meters compared, and the
/// differences (all are counted; the first <c>Vbi:Provider:Reconciliation:MaxDifferencesKept</c> are kept).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DailyReconciliationReport(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] DateTimeOffset RunAt,
    [property: Id(2)] int Runs,
    [property: Id(3)] bool Reconciled,
    [property: Id(4)] int LogPvdCount,
    [property: Id(5)] long LogPvdMills,
    [property: Id(6)] long ResettingPvdMills,
    [property: Id(7)] long LedgerPvdMills,
    [property: Id(8)] long LogRefundMills,
    [property: Id(9)] long LedgerRefundMills,
    [property: Id(10)] long LogWithdrawalMills,
    [property: Id(11)] long LedgerWithdrawalMills,
    [property: Id(12)] long ResettingNetPostageMills,
    [property: Id(13)] long RemittancePayableNetMills,
    [property: Id(14)] long RemittedMills,
    [property: Id(15)] long CarriedMills,
    [property: Id(16)] long? RemittancePostedMills,
    [property: Id(17)] int MetersCompared,
    [property: Id(18)] int DifferenceCount,
    [property: Id(19)] IReadOnlyList<ReconciliationDifferenceView> Differences);
