namespace VbiOrleans.Domain.Plans;

/// <summary>
/// A monthly fee prorated by the seconds of the UTC month. The rule: the part of the fee earned from the month's
/// start up to an instant t is floor(fee × elapsed seconds / month seconds) rounded down to a whole cent; the fee of
/// an interval [from, to) is the earned amount at <c>to</c> minus the earned amount at <c>from</c>. Intervals that tile
/// the month under one plan therefore add up to exactly the monthly fee (the differences telescope), so splitting a
/// month at plan changes never loses or invents a mill, and every piece is whole cents. Instants are truncated to
/// the whole second.
/// </summary>
public static class Proration
{
    /// <summary>The part of <paramref name="monthlyFeeMills"/> earned from the month's start to <paramref name="instant"/> (clamped to the month).</summary>
    public static long EarnedUntil(long monthlyFeeMills, BillingMonth month, DateTimeOffset instant)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(monthlyFeeMills);
        var elapsed = ElapsedSeconds(month, instant);
        if (elapsed == month.Seconds) return monthlyFeeMills;
        // fee ≤ 10^12 mills and seconds ≤ 2.7 × 10^6 keep the product within a long.
        var mills = checked(monthlyFeeMills * elapsed) / month.Seconds;
        return mills - (mills % Plan.MillsPerCent);
    }

    /// <summary>The fee of the interval [from, to) of the month (empty or reversed intervals are 0).</summary>
    public static long Fee(long monthlyFeeMills, BillingMonth month, DateTimeOffset from, DateTimeOffset to)
    {
        var a = EarnedUntil(monthlyFeeMills, month, from);
        var b = EarnedUntil(monthlyFeeMills, month, to);
        return Math.Max(0, b - a);
    }

    /// <summary>Whole seconds from the month's start to the instant, clamped to [0, month seconds].</summary>
    public static long ElapsedSeconds(BillingMonth month, DateTimeOffset instant)
    {
        if (instant <= month.Start) return 0;
        if (instant >= month.End) return month.Seconds;
        return (instant.UtcTicks - month.Start.UtcTicks) / TimeSpan.TicksPerSecond;
    }
}
