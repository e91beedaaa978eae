using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.Geography;

/// <summary>The zone between two ZIPs, and how it was found (docs/rates.md §2).</summary>
public sealed record ZoneResult(Zone Zone, string OriginArea, string DestinationArea, int? Miles, string Basis);

/// <summary>
/// Zones from origin and destination ZIP, by the great-circle distance between their ZIP areas' centroids and the
/// distance bands below. The Freely Associated States are zone 9 from anywhere. Military APO/FPO/DPO ZIPs are zoned
/// to the gateway that dispatches their mail. The same 5-digit ZIP is Local. Everything else, Alaska, Hawaii,
/// Puerto Rico, the Virgin Islands, Guam and the other territories included, is zoned by distance.
/// </summary>
public sealed class ZoneChart(ZipAreas areas)
{
    private const double EarthRadiusMiles = 3958.8;

    /// <summary>Upper bounds in miles of zones 1 to 7; beyond the last is zone 8.</summary>
    public static readonly IReadOnlyList<int> BandMiles = [50, 150, 300, 600, 1000, 1400, 1800];

    /// <summary>The area each military ZIP range is zoned to: its gateway's (New York JFK, Miami, San Francisco).</summary>
    public static readonly IReadOnlyDictionary<string, string> MilitaryGateways = new Dictionary<string, string>
    {
        ["AE"] = "114", // 090-098: Armed Forces Europe, Middle East, Africa, Canada
        ["AA"] = "331", // 340: Armed Forces Americas
        ["AP"] = "940", // 962-966: Armed Forces Pacific
    };

    public static ZoneChart Embedded { get; } = new(ZipAreas.Embedded);

    public ZipAreas Areas => areas;

    public Result<ZoneResult> Zone(string? origin, string? destination)
    {
        if (Check(origin, "from") is { } e1) return e1;
        if (Check(destination, "to") is { } e2) return e2;
        var from = areas.AreaOf(origin!)!;
        var to = areas.AreaOf(destination!)!;
        if (from.Kind == ZipAreaKind.FreelyAssociated || to.Kind == ZipAreaKind.FreelyAssociated)
            return new ZoneResult(Geography.Zone.FreelyAssociatedStates, from.Id, to.Id, null, "Freely Associated States");
        if (origin == destination) return new ZoneResult(Geography.Zone.Local, from.Id, to.Id, 0, "same ZIP");
        var (a, viaA) = Located(from);
        var (b, viaB) = Located(to);
        var miles = Miles(a, b);
        var zone = 8;
        for (var i = 0; i < BandMiles.Count; i++)
            if (miles <= BandMiles[i])
            {
                zone = i + 1;
                break;
            }
        var basis = viaA is null && viaB is null ? "distance" : $"distance via the military gateway {viaA ?? viaB}";
        return new ZoneResult(Geography.Zone.Of(zone), from.Id, to.Id, (int)Math.Round(miles), basis);
    }

    private DomainError? Check(string? zip, string name)
    {
        if (!ZipAreas.IsFiveDigits(zip)) return new DomainError(ErrorCode.InvalidZip, $"{name} is a 5-digit ZIP");
        return areas.IsKnown(zip!) ? null : new DomainError(ErrorCode.UnknownZip, $"{name} ZIP {zip} is not a known ZIP");
    }

    private (ZipArea Area, string? Gateway) Located(ZipArea area)
    {
        if (area.Kind != ZipAreaKind.Military) return (area, null);
        var prefix = int.Parse(area.Id[..3], System.Globalization.CultureInfo.InvariantCulture);
        var state = prefix switch
        {
            >= 90 and <= 98 => "AE",
            340 => "AA",
            >= 962 and <= 966 => "AP",
            _ => throw new InvalidDataException($"military area {area.Id} has no gateway"),
        };
        var gateway = MilitaryGateways[state];
        return (areas.Area(gateway) ?? throw new InvalidDataException($"gateway area {gateway} is missing"), gateway);
    }

    /// <summary>Great-circle distance (haversine) between two areas' centroids, in statute miles.</summary>
    public static double Miles(ZipArea a, ZipArea b)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(b.Latitude - a.Latitude);
        var dLon = Radians(b.Longitude - a.Longitude);
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
                + Math.Cos(Radians(a.Latitude)) * Math.Cos(Radians(b.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusMiles * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
