namespace VbiOrleans.Domain.Ledger;

/// <summary>
/// The ledger's account names (docs/commerce.md, "The ledger"). A per-customer account carries the customer id after a
/// colon (<c>postage-funds-held:u-…</c>). <c>VbiOrleans.Abstractions.Commerce.LedgerAccounts</c> names the same accounts
/// for grains and endpoints; both read these constants, so there is one spelling.
/// </summary>
public static class ChartOfAccounts
{
    /// <summary>Card captures not yet settled by the processor (asset).</summary>
    public const string CardClearing = "card-clearing";
    /// <summary>ACH debits sent and not yet settled (asset).</summary>
    public const string AchClearing = "ach-clearing";
    /// <summary>The provider's bank account (asset).</summary>
    public const string Cash = "cash";
    /// <summary>Fees earned: plan fees, label fees (revenue).</summary>
    public const string FeeRevenue = "fee-revenue";
    /// <summary>Postage bought and not yet remitted to the postal authority's lockbox (liability).</summary>
    public const string RemittancePayable = "remittance-payable";
    /// <summary>Card disputes lost and charged back (expense).</summary>
    public const string Chargebacks = "chargebacks";
    /// <summary>
    /// The value of customers' meter balances that the postal authority holds (asset): every PVD adds to it, every
    /// print uses it up, a refund of an unused indicium gives it back, a withdrawal takes it out.
    /// </summary>
    public const string PostageAtPostalAuthority = "postage-at-postal-authority";

    /// <summary>Postage funds held for the postal authority on behalf of a customer (liability; L1).</summary>
    public static string PostageFundsHeld(string customerId) => $"postage-funds-held:{customerId}";
    /// <summary>Refunds of unused postage approved for a customer and not yet paid (liability).</summary>
    public static string RefundsPayable(string customerId) => $"refunds-payable:{customerId}";
    /// <summary>Fees invoiced or accrued and not yet collected from a customer (asset).</summary>
    public static string FeesReceivable(string customerId) => $"fees-receivable:{customerId}";
    /// <summary>Credits granted to a customer by customer care, not yet used against fees (liability).</summary>
    public static string CustomerCredit(string customerId) => $"customer-credit:{customerId}";
    /// <summary>ACH debits of a customer that came back returned and are not yet paid (asset).</summary>
    public static string AchReturnsReceivable(string customerId) => $"ach-returns-receivable:{customerId}";

    /// <summary>The customer id of a per-customer account name, or null for a shared account.</summary>
    public static string? CustomerOf(string account) => account.IndexOf(':') is var i and > 0 ? account[(i + 1)..] : null;

    /// <summary>An account name: 1 to 200 of a-z 0-9 and '-', then optionally ':' and a customer id without control characters or spaces.</summary>
    public static bool IsValidName(string? account)
    {
        if (account is not { Length: > 0 and <= 200 }) return false;
        var colon = account.IndexOf(':');
        var head = colon < 0 ? account : account[..colon];
        if (head.Length == 0 || !head.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')) return false;
        return colon < 0 || (colon < account.Length - 1 && !account[(colon + 1)..].Any(c => char.IsControl(c) || char.IsWhiteSpace(c)));
    }
}
