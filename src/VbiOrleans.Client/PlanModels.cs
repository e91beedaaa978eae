namespace VbiOrleans.Client;

/// <summary>A pricing plan of the catalogue: monthly fee, fee per label beyond the labels included each month, free trial days.</summary>
public sealed record PricingPlan(string Id, string Name, long MonthlyFeeMills, string MonthlyFee, long LabelFeeMills, string LabelFee, int IncludedLabels, int TrialDays);

/// <summary>One choice of a plan in the account's history.</summary>
public sealed record PlanChoice(int Number, string PlanId, DateTimeOffset Since);

/// <summary>A prorated plan-fee segment a plan change posted.</summary>
public sealed record PlanFeePosting(string EntryId, string PlanId, DateTimeOffset From, DateTimeOffset To, long FeeMills);

/// <summary>The account's plan: the plan in effect, the trial's end, this month's labels, the history, and what a change posted.</summary>
public sealed record CustomerPlan(string? Plan, DateTimeOffset? Since, DateTimeOffset? TrialEndsAt, string Month, long LabelsThisMonth,
    IReadOnlyList<PlanChoice> History, IReadOnlyList<PlanFeePosting> Posted);

/// <summary>One line of an invoice: quantity × unit = amount (kind: plan-fee, label-fee, other).</summary>
public sealed record InvoiceLine(string Kind, string Description, long Quantity, long UnitMills, long AmountMills);

/// <summary>An invoice: status is open (being collected), paid, or unpaid (collection failed; the account is locked).</summary>
public sealed record Invoice(string Number, string CustomerId, string Month, DateTimeOffset IssuedAt, IReadOnlyList<InvoiceLine> Lines,
    long SubtotalMills, long CreditAppliedMills, long TotalMills, string Total, string Status, int CollectionAttempts, string? LastFailure,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? PaidAt, DateTimeOffset? MailedAt);

/// <summary>The invoices an operator's run issued (or found issued) for a month.</summary>
public sealed record InvoiceRun(string Month, IReadOnlyList<Invoice> Invoices);
