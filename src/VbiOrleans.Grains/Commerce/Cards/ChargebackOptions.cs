namespace VbiOrleans.Grains.Commerce.Cards;

/// <summary>The dispute sweep's schedule and bounds (<c>Vbi:Chargebacks</c>; docs/commerce.md, "Chargebacks").</summary>
public sealed class ChargebackOptions
{
    public const string Section = "Vbi:Chargebacks";

    /// <summary>How often the sweep's reminder fires (at least a minute).</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromHours(1);
    /// <summary>How long after its capture a charge is watched: card networks take disputes for about 120 days.</summary>
    public TimeSpan WatchFor { get; set; } = TimeSpan.FromDays(120);
    /// <summary>The most charges one sweep asks the provider about; the rest, least recently checked first, come next sweep.</summary>
    public int MaxChargesPerSweep { get; set; } = 1_000;
    /// <summary>How many of a sweep's questions to the provider are in flight at once.</summary>
    public int SweepParallelism { get; set; } = 8;
    /// <summary>The most recorded disputes whose effects one sweep finishes.</summary>
    public int MaxPendingPerSweep { get; set; } = 100;

    public void Validate()
    {
        if (SweepPeriod < TimeSpan.FromMinutes(1)) throw new ArgumentException("Vbi:Chargebacks:SweepPeriod is at least one minute");
        if (WatchFor <= TimeSpan.Zero) throw new ArgumentException("Vbi:Chargebacks:WatchFor is positive");
        if (MaxChargesPerSweep is < 1 or > 100_000) throw new ArgumentException("Vbi:Chargebacks:MaxChargesPerSweep is 1 to 100,000");
        if (SweepParallelism is < 1 or > 64) throw new ArgumentException("Vbi:Chargebacks:SweepParallelism is 1 to 64");
        if (MaxPendingPerSweep is < 1 or > 10_000) throw new ArgumentException("Vbi:Chargebacks:MaxPendingPerSweep is 1 to 10,000");
    }
}
