namespace VbiOrleans.Domain.Ledger;

/// <summary>How a postage value download was paid: the clearing account its money waits in until settled.</summary>
public enum PaymentClearing
{
    Card = 1,
    Ach = 2,
}

/// <summary>
/// The postings of each movement of money (docs/commerce.md, "The ledger"; the table decided in LEDGER-MODEL), and the
/// entry ids that make each one post once. Entries that follow from a PSD transaction take their id from (meter id,
/// sequence): the log feed may deliver a record twice, the ledger posts it once.
/// </summary>
public static class Postings
{
    public static string PvdId(string meterId, long sequence) => $"pvd:{meterId}:{sequence}";
    public static string PrintId(string meterId, long sequence) => $"print:{meterId}:{sequence}";
    public static string RefundId(string meterId, long sequence) => $"refund:{meterId}:{sequence}";
    public static string WithdrawalId(string meterId, long sequence) => $"withdrawal:{meterId}:{sequence}";
    public static string RefundPaidId(string refundId) => $"refund-paid:{refundId}";
    public static string CreditId(string creditId) => $"credit:{creditId}";
    public static string FeeRefundId(string feeRefundId) => $"fee-refund:{feeRefundId}";
    public static string ChargebackId(string disputeId) => $"chargeback:{disputeId}";

    /// <summary>
    /// A PVD of <paramref name="amount"/> for customer <paramref name="customer"/>: the payment waits in its clearing
    /// account, the customer's postage funds held grow, and the value sits with the postal authority, owed to it
    /// (remittance payable) until remitted.
    /// </summary>
    public static IReadOnlyList<LedgerLine> Pvd(string customer, long amount, PaymentClearing clearing) =>
    [
        LedgerLine.Debit(clearing == PaymentClearing.Ach ? ChartOfAccounts.AchClearing : ChartOfAccounts.CardClearing, amount),
        LedgerLine.Credit(ChartOfAccounts.PostageFundsHeld(customer), amount),
        LedgerLine.Debit(ChartOfAccounts.PostageAtPostalAuthority, amount),
        LedgerLine.Credit(ChartOfAccounts.RemittancePayable, amount),
    ];

    /// <summary>A print of postage <paramref name="postage"/>: the customer's funds held are used up for the postal authority.</summary>
    public static IReadOnlyList<LedgerLine> Print(string customer, long postage) =>
    [
        LedgerLine.Debit(ChartOfAccounts.PostageFundsHeld(customer), postage),
        LedgerLine.Credit(ChartOfAccounts.PostageAtPostalAuthority, postage),
    ];

    /// <summary>A refund of an unused indicium's postage: back from AR to DR, so held for the customer again.</summary>
    public static IReadOnlyList<LedgerLine> Refund(string customer, long postage) =>
    [
        LedgerLine.Debit(ChartOfAccounts.PostageAtPostalAuthority, postage),
        LedgerLine.Credit(ChartOfAccounts.PostageFundsHeld(customer), postage),
    ];

    /// <summary>
    /// A withdrawal of the meter's balance <paramref name="balance"/> (its DR before): the funds held become a refund
    /// payable to the customer, and leave the postal authority's side, so less is to be remitted.
    /// </summary>
    public static IReadOnlyList<LedgerLine> Withdrawal(string customer, long balance) =>
    [
        LedgerLine.Debit(ChartOfAccounts.PostageFundsHeld(customer), balance),
        LedgerLine.Credit(ChartOfAccounts.RefundsPayable(customer), balance),
        LedgerLine.Debit(ChartOfAccounts.RemittancePayable, balance),
        LedgerLine.Credit(ChartOfAccounts.PostageAtPostalAuthority, balance),
    ];

    /// <summary>
    /// A refund paid to the customer: <paramref name="toCards"/> by refunds against their captured card charges (the
    /// processor nets them out of what it owes us, so they leave card clearing), <paramref name="byAch"/> by an ACH
    /// credit in the day's file (it waits in ACH clearing until it settles out of cash).
    /// </summary>
    public static IReadOnlyList<LedgerLine> RefundPaid(string customer, long toCards, long byAch = 0)
    {
        var lines = new List<LedgerLine> { LedgerLine.Debit(ChartOfAccounts.RefundsPayable(customer), checked(toCards + byAch)) };
        if (toCards > 0) lines.Add(LedgerLine.Credit(ChartOfAccounts.CardClearing, toCards));
        if (byAch > 0) lines.Add(LedgerLine.Credit(ChartOfAccounts.AchClearing, byAch));
        return lines;
    }

    /// <summary>
    /// A card charge disputed by its holder: the processor takes the amount back out of what it owes us (card clearing),
    /// and it is a loss until a dispute is won. The postage it paid for stays in the meter, so L1 is untouched.
    /// </summary>
    public static IReadOnlyList<LedgerLine> Chargeback(long amount) =>
    [
        LedgerLine.Debit(ChartOfAccounts.Chargebacks, amount),
        LedgerLine.Credit(ChartOfAccounts.CardClearing, amount),
    ];

    /// <summary>A credit granted by customer care: an expense of fee revenue, owed to the customer against later fees.</summary>
    public static IReadOnlyList<LedgerLine> Credit(string customer, long amount) =>
    [
        LedgerLine.Debit(ChartOfAccounts.FeeRevenue, amount),
        LedgerLine.Credit(ChartOfAccounts.CustomerCredit(customer), amount),
    ];

    /// <summary>
    /// A fee refunded by customer care. Fees are taken in the customer's currency with us, so the refund goes back
    /// where a credit goes: the customer's credit, used against the next invoice; paying it out in cash is a later
    /// decision on that credit, not a second kind of fee refund.
    /// </summary>
    public static IReadOnlyList<LedgerLine> FeeRefund(string customer, long amount) =>
    [
        LedgerLine.Debit(ChartOfAccounts.FeeRevenue, amount),
        LedgerLine.Credit(ChartOfAccounts.CustomerCredit(customer), amount),
    ];
}
