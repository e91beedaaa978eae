namespace VbiOrleans.Domain.Ledger;

/// <summary>
/// Invariant L1, money held for the postal authority: for every customer c, the postage funds held for c (the credit
/// balances of <c>postage-funds-held:c</c> and <c>refunds-payable:c</c>) equal the sum of DR over c's meters plus the
/// refunds approved for c and not yet paid (the credit balance of <c>refunds-payable:c</c>). Equivalently the credit
/// balance of <c>postage-funds-held:c</c> is the sum of DR over c's meters. The postage-funds reconciliation
/// (GET /v1/operator/reconciliation/postage-funds) computes it per customer; any difference is an alert.
/// </summary>
public static class L1
{
    /// <summary>
    /// The L1 difference for one customer, in mills: postage funds held minus (sum of DR + refunds approved and not yet
    /// paid); 0 when L1 holds. The balances are the ledger's (debits minus credits, so a liability's is negative or 0),
    /// as <c>ILedgerGrain.Balance</c> returns them. Positive: the ledger holds more than the meters show.
    /// </summary>
    public static long Check(string customer, long fundsHeldBalance, long refundsPayableBalance, long sumOfDescendingRegisters)
    {
        ArgumentException.ThrowIfNullOrEmpty(customer);
        var held = -fundsHeldBalance;
        var refundsApprovedUnpaid = -refundsPayableBalance;
        return checked(held + refundsApprovedUnpaid - (sumOfDescendingRegisters + refundsApprovedUnpaid));
    }
}
