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
}
