namespace VbiOrleans.Domain.Plans;

/// <summary>What a fee posting of the month charges (a debit of the customer's fees receivable).</summary>
public enum FeeKind
{
    /// <summary>A prorated plan-fee segment.</summary>
    PlanFee = 1,
    /// <summary>One label's fee.</summary>
    LabelFee = 2,
    /// <summary>Any other fee posted to the customer (by customer care).</summary>
    Other = 3,
}

/// <summary>One fee posting of the month, as the invoice reads it from the ledger.</summary>
public sealed record FeeCharge(string EntryId, FeeKind Kind, DateTimeOffset At, long AmountMills, string Memo);

/// <summary>One line of an invoice: quantity × unit = amount.</summary>
public sealed record InvoiceLine(FeeKind Kind, string Description, long Quantity, long UnitMills, long AmountMills);

/// <summary>
/// A customer's invoice of one month, built from the month's fee postings: plan-fee segments one line each, label
/// fees one line per unit price, other fees one line each. Credits the customer holds are applied up to the
/// subtotal, in whole cents. Invariant: total = sum of the fee postings − credits applied, and total ≥ 0.
/// </summary>
public sealed record InvoiceDocument(
    string Number,
    string CustomerId,
    BillingMonth Month,
    IReadOnlyList<InvoiceLine> Lines,
    long SubtotalMills,
    long CreditAppliedMills,
    long TotalMills)
{
    /// <summary>The invoice of the charges; credits beyond the subtotal stay with the customer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A charge is negative.</exception>
    public static InvoiceDocument Build(string number, string customerId, BillingMonth month, IReadOnlyList<FeeCharge> charges, long creditAvailableMills)
    {
        foreach (var charge in charges)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(charge.AmountMills, nameof(charges));
        }

        var ordered = charges.OrderBy(c => c.At).ThenBy(c => c.EntryId, StringComparer.Ordinal).ToList();
        var lines = new List<InvoiceLine>();
        lines.AddRange(ordered.Where(c => c.Kind == FeeKind.PlanFee).Select(c => new InvoiceLine(FeeKind.PlanFee, c.Memo, 1, c.AmountMills, c.AmountMills)));
        lines.AddRange(ordered.Where(c => c.Kind == FeeKind.LabelFee).GroupBy(c => c.AmountMills).OrderBy(g => g.Key)
            .Select(g => new InvoiceLine(FeeKind.LabelFee, "Label fees", g.Count(), g.Key, checked(g.Key * g.Count()))));
        lines.AddRange(ordered.Where(c => c.Kind == FeeKind.Other).Select(c => new InvoiceLine(FeeKind.Other, c.Memo, 1, c.AmountMills, c.AmountMills)));

        var subtotal = lines.Sum(l => l.AmountMills);
        var applied = Math.Min(Math.Max(0, creditAvailableMills), subtotal);
        // A card charges whole cents: the credit applied is rounded down so the rest stays whole cents when the fees are.
        applied -= applied % Plan.MillsPerCent;
        return new InvoiceDocument(number, customerId, month, lines, subtotal, applied, subtotal - applied);
    }

    /// <summary>The invoice number of a customer's month: the month and the customer, so a re-run finds the same invoice.</summary>
    public static string NumberOf(BillingMonth month, string customerId) => $"inv-{month.Compact}-{customerId}";
}
