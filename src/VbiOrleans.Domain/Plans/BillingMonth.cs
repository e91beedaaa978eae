using System.Globalization;

namespace VbiOrleans.Domain.Plans;

/// <summary>A calendar month in UTC, the period of a plan fee and of an invoice: [Start, End).</summary>
public readonly record struct BillingMonth(int Year, int Month) : IComparable<BillingMonth>
{
    public DateTimeOffset Start => new(Year, Month, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset End => Start.AddMonths(1);

    /// <summary>The month's length in seconds (2,419,200 to 2,678,400).</summary>
    public long Seconds => (long)(End - Start).TotalSeconds;

    public BillingMonth Next => Of(End);

    public BillingMonth Previous => Of(Start.AddDays(-1));

    public static BillingMonth Of(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new(utc.Year, utc.Month);
    }

    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;

    /// <summary>Reads <c>YYYY-MM</c>.</summary>
    public static bool TryParse(string? text, out BillingMonth month)
    {
        month = default;
        if (text is not { Length: 7 } || text[4] != '-' ||
            !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year) ||
            !int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ||
            year is < 2000 or > 9998 || m is < 1 or > 12) return false;
        month = new(year, m);
        return true;
    }

    /// <summary><c>YYYY-MM</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}");

    /// <summary><c>YYYYMM</c>, for invoice numbers.</summary>
    public string Compact => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}{Month:D2}");

    public int CompareTo(BillingMonth other) => (Year, Month).CompareTo((other.Year, other.Month));

    public static bool operator <(BillingMonth a, BillingMonth b) => a.CompareTo(b) < 0;
    public static bool operator >(BillingMonth a, BillingMonth b) => a.CompareTo(b) > 0;
    public static bool operator <=(BillingMonth a, BillingMonth b) => a.CompareTo(b) <= 0;
    public static bool operator >=(BillingMonth a, BillingMonth b) => a.CompareTo(b) >= 0;
}
