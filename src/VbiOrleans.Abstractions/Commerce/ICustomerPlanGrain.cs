namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// A customer's pricing plan (key: customer id, <c>commerce</c> store; docs/commerce.md, "Plans, fees and invoices"):
/// the plan in effect, the trial's end, the history of choices, the labels counted per month against the plan's
/// included labels, and the customer's invoices. Plan fees are posted to the ledger prorated: a change posts the
/// segments it closes, the month's close posts the rest; label fees come from the log feed through
/// <see cref="RecordLabels"/>.
/// </summary>
public interface ICustomerPlanGrain : IGrainWithStringKey
{
    Task<CustomerPlanView> Get();

    /// <summary>Chooses a plan from now on (<c>UnknownPlan</c>); choosing the plan in effect changes nothing.</summary>
    Task<CustomerPlanResult> Choose(string planId);

    /// <summary>
    /// Applies the customer's prints and refunds from the log, in log order per meter (idempotent by meter and
    /// sequence): a print beyond the month's included labels posts its label fee, a refund credits it back.
    /// </summary>
    Task RecordLabels(IReadOnlyList<LabelEvent> events);

    /// <summary>Posts the month's plan-fee segments (idempotent; the month must have ended) and returns them.</summary>
    Task<IReadOnlyList<PlanFeePosting>> CloseMonth(string month);

    /// <summary>Records an invoice issued to the customer (idempotent).</summary>
    Task AddInvoice(string number);

    /// <summary>The customer's invoice numbers, newest first.</summary>
    Task<IReadOnlyList<string>> Invoices();
}

/// <summary>A print (or a refund of a print) on one of the customer's meters, from the log.</summary>
[GenerateSerializer, Immutable]
public sealed record LabelEvent(
    [property: Id(0)] string MeterId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] bool IsRefund,
    [property: Id(4)] long? RefundedSequence);

[GenerateSerializer, Immutable]
public sealed record PlanChoiceView(
    [property: Id(0)] int Number,
    [property: Id(1)] string PlanId,
    [property: Id(2)] DateTimeOffset Since);

[GenerateSerializer, Immutable]
public sealed record CustomerPlanView(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string? PlanId,
    [property: Id(2)] DateTimeOffset? Since,
    [property: Id(3)] DateTimeOffset? TrialEndsAt,
    [property: Id(4)] IReadOnlyList<PlanChoiceView> History,
    [property: Id(5)] string Month,
    [property: Id(6)] long LabelsThisMonth);

/// <summary>One prorated plan-fee segment posted to the ledger.</summary>
[GenerateSerializer, Immutable]
public sealed record PlanFeePosting(
    [property: Id(0)] string EntryId,
    [property: Id(1)] string PlanId,
    [property: Id(2)] DateTimeOffset From,
    [property: Id(3)] DateTimeOffset To,
    [property: Id(4)] long FeeMills);

[GenerateSerializer, Immutable]
public sealed record CustomerPlanResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] CustomerPlanView? Plan,
    [property: Id(3)] IReadOnlyList<PlanFeePosting> Posted)
{
    public bool IsSuccess => Error == ErrorCode.None;
    public static CustomerPlanResult Fail(ErrorCode error, string message) => new(error, message, null, []);
}
