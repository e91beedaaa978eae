namespace VbiOrleans.Grains.Commerce.Cards;

/// <summary>Refunds paid out (<c>Vbi:Refunds</c>; docs/commerce.md, "Refunds paid out").</summary>
public sealed class RefundPayoutOptions
{
    public const string Section = "Vbi:Refunds";

    /// <summary>How often a customer's payouts grain retries what is not paid yet (its reminder; at least a minute).</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>The most of a customer's captured charges (newest first) a payout is spread over.</summary>
    public int MaxChargesPerPayout { get; set; } = 100;
    /// <summary>Paid payouts kept in the grain's state (the ledger keeps every one for ever).</summary>
    public int MaxPaidKept { get; set; } = 100;
    /// <summary>How long the refunds consumer waits for the ledger to post the withdrawal before it fails the batch (the feed retries it).</summary>
    public TimeSpan WaitForLedger { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        if (RetryPeriod < TimeSpan.FromMinutes(1)) throw new ArgumentException("Vbi:Refunds:RetryPeriod is at least one minute");
        if (MaxChargesPerPayout is < 1 or > 1_000) throw new ArgumentException("Vbi:Refunds:MaxChargesPerPayout is 1 to 1,000");
        if (MaxPaidKept is < 1 or > 10_000) throw new ArgumentException("Vbi:Refunds:MaxPaidKept is 1 to 10,000");
        if (WaitForLedger < TimeSpan.Zero || WaitForLedger > TimeSpan.FromSeconds(25)) throw new ArgumentException("Vbi:Refunds:WaitForLedger is 0 to 25 s (within the feed's apply timeout)");
    }
}
