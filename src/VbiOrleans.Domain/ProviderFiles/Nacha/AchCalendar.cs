namespace VbiOrleans.Domain.ProviderFiles.Nacha;

/// <summary>
/// Business days for ACH dates: Monday to Friday. Federal Reserve holidays are not skipped, so an entry dated on a
/// holiday settles on the next banking day and our settlement window then ends a day early at most; the window
/// (<c>Vbi:Ach:SettlementBusinessDays</c>) is set with that margin in mind.
/// </summary>
public static class AchCalendar
{
    public static bool IsBusinessDay(DateOnly date) => date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The first business day after the date.</summary>
    public static DateOnly NextBusinessDay(DateOnly date) => AddBusinessDays(date, 1);

    /// <summary>The date <paramref name="days"/> business days after the date (0: the date itself, or the next business day if it is not one).</summary>
    public static DateOnly AddBusinessDays(DateOnly date, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        while (!IsBusinessDay(date)) date = date.AddDays(1);
        for (var i = 0; i < days; i++)
        {
            date = date.AddDays(1);
            while (!IsBusinessDay(date)) date = date.AddDays(1);
        }
        return date;
    }
}
