using System.Globalization;

namespace VbiOrleans.Client;

/// <summary>
/// Amounts on the wire are mills: tenths of a cent, as <see cref="long"/>. Formatting uses integer arithmetic only,
/// so no amount is ever rounded.
/// </summary>
public static class Money
{
    public const long MillsPerDollar = 1000;

    /// <summary>Mills as dollars with three decimals: 1234 → <c>$1.234</c>, -5 → <c>-$0.005</c>, 0 → <c>$0.000</c>.</summary>
    public static string ToDollars(this long mills)
    {
        // The magnitude as ulong, so long.MinValue does not overflow.
        var magnitude = mills < 0 ? (ulong)(-(mills + 1)) + 1 : (ulong)mills;
        var dollars = magnitude / MillsPerDollar;
        var fraction = magnitude % MillsPerDollar;
        return string.Create(CultureInfo.InvariantCulture, $"{(mills < 0 ? "-" : "")}${dollars}.{fraction:000}");
    }

    /// <summary>
    /// Parses a dollar amount exactly, with integer arithmetic: "12", "12.5", "12.50", "$0.735" (at most three decimals,
    /// the mill). Signs, exponents, separators and more decimals are refused, as is anything over a trillion dollars.
    /// </summary>
    public static bool TryParseDollars(string? text, out long mills)
    {
        mills = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        if (s.StartsWith('$')) s = s[1..];
        var dot = s.IndexOf('.');
        var whole = dot < 0 ? s : s[..dot];
        var fraction = dot < 0 ? "" : s[(dot + 1)..];
        if (whole.Length is 0 or > 12 || !whole.All(char.IsAsciiDigit)) return false;
        if (dot >= 0 && (fraction.Length is 0 or > 3 || !fraction.All(char.IsAsciiDigit))) return false;
        mills = long.Parse(whole, CultureInfo.InvariantCulture) * MillsPerDollar
            + (fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(3, '0'), CultureInfo.InvariantCulture));
        return true;
    }
}
