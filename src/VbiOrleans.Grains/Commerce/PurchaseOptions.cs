namespace VbiOrleans.Grains.Commerce;

/// <summary>Section <c>Vbi:Purchases</c>: how long an authorization waits for its PVD, and how often purchases look.</summary>
public sealed class PurchaseOptions
{
    public const string Section = "Vbi:Purchases";

    /// <summary>
    /// An authorization no PVD claimed (or whose claimed PVD is not in the log) this long after it was made is
    /// released: nothing is charged. Far longer than any request may take, so a PVD still on its way cannot land after
    /// its purchase was released.
    /// </summary>
    public TimeSpan ReleaseAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often an open purchase wakes (a reminder) to mend itself: capture, release, or finish an authorization.</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a purchase whose authorization never got an answer keeps asking the provider (with the same
    /// idempotency key) before it is left to an operator. Stripe keeps an idempotency key for 24 hours.
    /// </summary>
    public TimeSpan GiveUpAuthorizingAfter { get; set; } = TimeSpan.FromHours(20);

    /// <summary>The most a single purchase may be, in mills (the module's own PVD limit applies as well).</summary>
    public long MaxAmountMills { get; set; } = 10_000_000;

    /// <summary>
    /// Accept a PVD whose payment reference is not a purchase id, as before purchases existed: for test silos and
    /// benchmarks that exercise the meters and nothing of commerce. The host refuses to start with it unless its
    /// payment provider is in test mode (no real money moves), and says so at start-up.
    /// </summary>
    public bool AcceptUnpaidPvds { get; set; }

    public void Validate()
    {
        if (ReleaseAfter < TimeSpan.FromSeconds(5)) throw new InvalidOperationException($"{Section}:ReleaseAfter must be at least 5 seconds");
        if (CheckPeriod < TimeSpan.FromSeconds(1) || CheckPeriod > ReleaseAfter) throw new InvalidOperationException($"{Section}:CheckPeriod must be from 1 second to ReleaseAfter");
        if (GiveUpAuthorizingAfter <= ReleaseAfter) throw new InvalidOperationException($"{Section}:GiveUpAuthorizingAfter must exceed ReleaseAfter");
        if (MaxAmountMills <= 0) throw new InvalidOperationException($"{Section}:MaxAmountMills must be positive");
    }
}
