using Orleans.Concurrency;

namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// One invoice (key: its number, <c>inv-{YYYYMM}-{customer id}</c>, <c>commerce</c> store): built once from the
/// customer's fee postings of the month, then kept as issued; credits applied, collected from the default payment
/// method (retried with backoff, then the account locked), and e-mailed once with its PDF.
/// </summary>
public interface IInvoiceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Issues the invoice of the customer's month if it is not issued yet, applies credits, e-mails it once and
    /// makes a collection attempt. Null when the month has no fees (nothing is stored). Idempotent.
    /// </summary>
    Task<InvoiceView?> Issue(string customerId, string month);

    Task<InvoiceView?> Get();

    /// <summary>The invoice as a PDF; null when not issued.</summary>
    Task<byte[]?> Pdf();

    /// <summary>Makes the next collection attempt now if one is due (the run's reminder resumes retries this way).</summary>
    Task<InvoiceView?> Resume();

    /// <summary>
    /// The ACH debit that collected the invoice came back returned: the invoice is unpaid again (<c>AchReturned:{code}</c>).
    /// The ledger's reversal and the account's lock (<c>achReturned</c>, the trace) are the ACH origination's. Idempotent.
    /// </summary>
    Task<InvoiceView?> AchReturned(string traceNumber, string returnCode);

    /// <summary>The returned debit was paid by card (<paramref name="chargeId"/>): the invoice is paid again. Idempotent.</summary>
    Task<InvoiceView?> AchReturnPaid(string traceNumber, string chargeId);
}

/// <summary>
/// The monthly invoice run (key 0): a reminder runs each month after it ends (and <c>POST
/// /v1/operator/invoices/run</c> by hand); it knows the customers on a plan and the invoices still being collected.
/// </summary>
public interface IInvoiceRunGrain : IGrainWithIntegerKey
{
    /// <summary>Runs the month: closes plan fees, issues an invoice for every customer with fees (idempotent).</summary>
    Task<InvoiceRunResult> Run(string month);

    /// <summary>A customer chose a plan: from now on the runs look at them.</summary>
    /// <remarks>One-way: a plan grain called by a run may be choosing at that moment, and must not wait on the run.</remarks>
    [OneWay]
    Task Enroll(string customerId);

    /// <summary>An invoice is paid or given up on: the run stops resuming it.</summary>
    /// <remarks>One-way: the invoice says so while the run may be waiting on it.</remarks>
    [OneWay]
    Task Settled(string number);

    /// <summary>Starts the reminder (idempotent).</summary>
    Task Schedule();
}

public enum InvoiceStatus
{
    /// <summary>Issued; collection pending or being retried.</summary>
    Open = 1,
    /// <summary>Collected (or nothing due after credits).</summary>
    Paid = 2,
    /// <summary>Collection failed on every attempt: the account is locked (InvoiceUnpaid) until paid.</summary>
    Unpaid = 3,
}

[GenerateSerializer, Immutable]
public sealed record InvoiceLineView(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Description,
    [property: Id(2)] long Quantity,
    [property: Id(3)] long UnitMills,
    [property: Id(4)] long AmountMills);

[GenerateSerializer, Immutable]
public sealed record InvoiceView(
    [property: Id(0)] string Number,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string Month,
    [property: Id(3)] DateTimeOffset IssuedAt,
    [property: Id(4)] IReadOnlyList<InvoiceLineView> Lines,
    [property: Id(5)] long SubtotalMills,
    [property: Id(6)] long CreditAppliedMills,
    [property: Id(7)] long TotalMills,
    [property: Id(8)] InvoiceStatus Status,
    [property: Id(9)] int CollectionAttempts,
    [property: Id(10)] string? LastFailure,
    [property: Id(11)] DateTimeOffset? NextAttemptAt,
    [property: Id(12)] string? ChargeId,
    [property: Id(13)] DateTimeOffset? PaidAt,
    [property: Id(14)] string? MailedTo,
    [property: Id(15)] DateTimeOffset? MailedAt,
    /// <summary>The trace number of the ACH debit that collects it, when the default payment method is a bank account.</summary>
    [property: Id(16)] string? AchTraceNumber = null);

[GenerateSerializer, Immutable]
public sealed record InvoiceRunResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] string Month,
    [property: Id(3)] IReadOnlyList<InvoiceView> Invoices)
{
    public bool IsSuccess => Error == ErrorCode.None;
}
