using System.Globalization;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Client;

/// <summary>The units of a shipment as people write them, and the shipment as the signed request encodes it.</summary>
public static class ShipmentUnits
{
    /// <summary>Ounces with at most one decimal ("3.5") as tenths of an ounce; null when not more than 0 and at most 1120 (70 lb).</summary>
    public static int? ParseWeightOz(string? ounces) =>
        Fixed(ounces, 1) is { } tenths && tenths is > 0 and <= ShipmentBody.MaxWeightTenthsOz ? (int)tenths : null;

    /// <summary>"LxWxH" in inches with at most two decimals as hundredths of an inch; null when a side is not more than 0 and at most 108.</summary>
    public static IReadOnlyList<int>? ParseDims(string? text)
    {
        var parts = (text ?? "").Split('x', 'X');
        if (parts.Length != 3) return null;
        var sides = new int[3];
        for (var i = 0; i < 3; i++)
        {
            if (Fixed(parts[i], 2) is not { } h || h <= 0 || h > ShipmentBody.MaxSideHundredths) return null;
            sides[i] = (int)h;
        }
        return sides;
    }

    /// <summary>The shipment as the signed request carries it (sides longest first); throws <see cref="ArgumentException"/> naming a field out of bounds.</summary>
    public static ShipmentBody? ToBody(Shipment? s)
    {
        if (s is null) return null;
        var sides = (s.DimensionsHundredths ?? [0, 0, 0]).OrderByDescending(x => x).ToArray();
        if (sides.Length != 3) throw new ArgumentException("three sides", nameof(s));
        return new ShipmentBody(Address(s.From, "shipment.from"), Address(s.To, "shipment.to"), s.WeightTenthsOz, sides[0], sides[1], sides[2], s.Signature,
            s.DeclaredValueMills ?? 0);
    }

    private static ShippingAddress Address(ShipmentAddress a, string field) =>
        new(a.Name, a.Company, a.Street, a.Street2, a.City, a.State, a.Zip5, a.Zip4, field);

    private static long? Fixed(string? text, int decimals)
    {
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s) || s.Length > 12) return null;
        var point = s.IndexOf('.');
        var whole = point < 0 ? s : s[..point];
        var fraction = point < 0 ? "" : s[(point + 1)..];
        if (whole.Length == 0 || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit) || fraction.Length > decimals
            || (point >= 0 && fraction.Length == 0))
            return null;
        return long.Parse(whole + fraction.PadRight(decimals, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
