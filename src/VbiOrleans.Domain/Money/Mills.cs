using System.Globalization;

namespace VbiOrleans.Domain.Money;

/// <summary>
/// An amount of money in mills: integer tenths of a cent, as postal registers count it.
/// No floating point touches money; arithmetic is checked so an overflow is an error, never a wrap.
/// </summary>
public readonly record struct Mills(long Value) : IComparable<Mills>
{
    public const long PerCent = 10;
    public const long PerDollar = 1000;

    public static readonly Mills Zero = new(0);

    public bool IsNegative => Value < 0;
    public bool IsPositive => Value > 0;

    public static Mills operator +(Mills a, Mills b) => new(checked(a.Value + b.Value));
    public static Mills operator -(Mills a, Mills b) => new(checked(a.Value - b.Value));
    public static bool operator <(Mills a, Mills b) => a.Value < b.Value;
    public static bool operator >(Mills a, Mills b) => a.Value > b.Value;
    public static bool operator <=(Mills a, Mills b) => a.Value <= b.Value;
    public static bool operator >=(Mills a, Mills b) => a.Value >= b.Value;

    public int CompareTo(Mills other) => Value.CompareTo(other.Value);

    /// <summary>Dollars with three decimals, the way a postal register prints: 1234 mills is "$1.234".</summary>
    public string ToDollars()
    {
        var sign = Value < 0 ? "-" : "";
        var abs = Value == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(Value);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}${abs / PerDollar}.{abs % PerDollar:D3}");
    }

    /// <summary>Dollars and cents for a human-readable label, rounding half up on the mill: 1235 mills is "$1.24".</summary>
    public string ToDollarsAndCents()
    {
        var cents = Value >= 0 ? (Value + 5) / PerCent : (Value - 5) / PerCent;
        var sign = cents < 0 ? "-" : "";
        var abs = Math.Abs(cents);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}${abs / 100}.{abs % 100:D2}");
    }

    /// <summary>
    /// Parses a dollar amount written with at most three decimals ("12", "0.5", "1.234", "$3.10").
    /// Anything else (exponents, more decimals, thousands separators, whitespace inside) is refused.
    /// </summary>
    public static bool TryParseDollars(string? text, out Mills amount)
    {
        amount = Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        var negative = s.StartsWith('-');
        if (negative) s = s[1..];
        if (s.StartsWith('$')) s = s[1..];
        var parts = s.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || parts[0].Length > 15) return false;
        if (!parts[0].All(char.IsAsciiDigit)) return false;
        var fraction = parts.Length == 2 ? parts[1] : "";
        if (fraction.Length > 3 || !fraction.All(char.IsAsciiDigit) || (parts.Length == 2 && fraction.Length == 0)) return false;
        var whole = long.Parse(parts[0], CultureInfo.InvariantCulture);
        var mills = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(3, '0'), CultureInfo.InvariantCulture);
        var value = checked(whole * PerDollar + mills);
        amount = new Mills(negative ? -value : value);
        return true;
    }

    public override string ToString() => ToDollars();
}
