using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.Addresses;

/// <summary>
/// The address matcher over open ZIP data: it standardizes the address (Publication 28) and checks city, state and ZIP
/// against each other and against <see cref="ZipPlaces"/>. It cannot tell whether a street or a house number exists,
/// nor pick the right ZIP among a city's several: that needs the postal authority's address database, which is not
/// open, and a certified provider's <see cref="IAddressMatcher"/>. Pure and thread-safe; no I/O after the table loads.
/// </summary>
public sealed class ZipLevelAddressMatcher(ZipPlaces places) : IAddressMatcher
{
    public ZipLevelAddressMatcher() : this(ZipPlaces.Embedded)
    {
    }

    public string Level => "zip";

    public Result<AddressMatch> Match(AddressInput input)
    {
        var parsed = AddressParser.Parse(input, places.HasCity);
        if (!parsed.IsSuccess) return parsed.Error;
        var p = parsed.Value;
        var s = p.Standardized;
        var zipPlace = s.Zip is null ? null : places.ByZip(s.Zip);
        var cityPlace = s.State is not null && p.CityKey is not null ? places.ByCity(s.State, p.CityKey) : null;
        var candidates = new List<(AddressMatchType Type, int Order, StandardAddress Address, List<AddressChange> Changes)>();

        // Exact: the ZIP is the city's. A missing state or city is filled from the ZIP only when the other agrees.
        if (zipPlace is not null && (cityPlace == zipPlace || (s.State is null && p.CityKey == zipPlace.Key)))
        {
            candidates.Add((AddressMatchType.Exact, 0, s with { City = zipPlace.City, State = zipPlace.State }, Changes(p, zipPlace, s.Zip!, "")));
            return Answer(s, candidates);
        }

        // ZIP corrected from city and state: the ZIPs of the city nearest the one given.
        if (cityPlace is not null)
        {
            var zips = Nearest(cityPlace.Zips, s.Zip);
            var why = s.Zip is null
                ? $"the ZIP of {cityPlace.City} {cityPlace.State}" + (cityPlace.Zips.Length > 1 ? $" (one of {cityPlace.Zips.Length}; a street-level check picks the right one)" : "")
                : $"{s.Zip} is not a ZIP of {cityPlace.City} {cityPlace.State}" + (zipPlace is null ? " (no such ZIP)" : $" (it is {zipPlace.City} {zipPlace.State})");
            for (var i = 0; i < zips.Count; i++)
            {
                var zip = cityPlace.ZipText(zips[i]);
                candidates.Add((AddressMatchType.ZipCorrected, i, s with { City = cityPlace.City, Zip = zip, ZipPlus4 = null }, Changes(p, cityPlace, zip, why)));
            }
        }

        // City corrected from ZIP: the ZIP's city (and state).
        if (zipPlace is not null)
        {
            var why = p.CityKey is null ? $"the city of ZIP {s.Zip}" : $"ZIP {s.Zip} is {zipPlace.City} {zipPlace.State}";
            candidates.Add((AddressMatchType.CityCorrected, 0, s with { City = zipPlace.City, State = zipPlace.State }, Changes(p, zipPlace, s.Zip!, why)));
        }

        // A close spelling of the city, in the state given and in the ZIP's state.
        if (cityPlace is null && p.CityKey is { Length: > 0 } key)
        {
            var states = new[] { s.State, zipPlace?.State }.Where(x => x is not null).Distinct().ToList();
            var max = key.Length <= 4 ? 1 : key.Length <= 12 ? 2 : 3;
            var order = 0;
            foreach (var state in states)
            {
                foreach (var (place, distance) in places.Near(state!, key, max).Take(AddressLimits.MaxCandidates))
                {
                    if (place == zipPlace) continue; // already offered as the ZIP's city
                    var zip = place.ZipText(Nearest(place.Zips, s.Zip)[0]);
                    var why = $"{s.City} is not a city of {state}; {place.City} is spelled closest ({distance} {(distance == 1 ? "letter" : "letters")} apart)";
                    candidates.Add((AddressMatchType.CitySpelling, order++ * 10 + distance, s with { City = place.City, State = place.State, Zip = zip,
                        ZipPlus4 = zip == s.Zip ? s.ZipPlus4 : null }, Changes(p, place, zip, why)));
                }
            }
        }
        return Answer(s, candidates);
    }

    private AddressMatch Answer(StandardAddress standardized, List<(AddressMatchType Type, int Order, StandardAddress Address, List<AddressChange> Changes)> found)
    {
        var ranked = found
            .OrderBy(c => c.Type).ThenBy(c => c.Order)
            .DistinctBy(c => (c.Address.City, c.Address.State, c.Address.Zip))
            .Take(AddressLimits.MaxCandidates)
            .Select((c, i) => new MatchCandidate(i + 1, c.Type, c.Address, c.Changes))
            .ToList();
        return new AddressMatch(standardized, ranked, Level, places.Source);
    }

    /// <summary>What a candidate changes from what was given: the standardized delivery line, then city, state, ZIP.</summary>
    private static List<AddressChange> Changes(ParsedAddress p, ZipPlace place, string zip, string why)
    {
        var s = p.Standardized;
        var changes = new List<AddressChange>(4);
        if (!SameText(p.GivenDeliveryLine, s.DeliveryLine))
            changes.Add(new AddressChange("deliveryLine", ChangeKind.Standardized, p.GivenDeliveryLine, s.DeliveryLine, "Publication 28 form"));
        if (p.GivenCity is null)
            changes.Add(new AddressChange("city", ChangeKind.Added, null, place.City, why.Length > 0 ? why : $"the city of ZIP {zip}"));
        else if (AddressText.CityKey(p.GivenCity) != place.Key)
            changes.Add(new AddressChange("city", ChangeKind.Corrected, p.GivenCity, place.City, why));
        else if (!SameText(p.GivenCity, place.City))
            changes.Add(new AddressChange("city", ChangeKind.Standardized, p.GivenCity, place.City, "Publication 28 form"));
        if (p.GivenState is null)
            changes.Add(new AddressChange("state", ChangeKind.Added, null, place.State, $"the state of ZIP {zip}"));
        else if (s.State != place.State)
            changes.Add(new AddressChange("state", ChangeKind.Corrected, p.GivenState, place.State, why));
        else if (p.GivenState.ToUpperInvariant() != place.State)
            changes.Add(new AddressChange("state", ChangeKind.Standardized, p.GivenState, place.State, "two-letter abbreviation"));
        if (s.Zip is null)
            changes.Add(new AddressChange("zip", ChangeKind.Added, null, zip, why));
        else if (s.Zip != zip)
        {
            changes.Add(new AddressChange("zip", ChangeKind.Corrected, p.GivenZip, zip, why));
            if (s.ZipPlus4 is not null)
                changes.Add(new AddressChange("zipPlus4", ChangeKind.Removed, s.ZipPlus4, null, "the add-on belonged to the ZIP given"));
        }
        return changes;
    }

    private static bool SameText(string given, string standard) => AddressText.Clean(given) == standard;

    /// <summary>Up to <see cref="AddressLimits.MaxZipsPerCity"/> of a city's ZIPs, nearest to the one given (the first ones when none was).</summary>
    private static List<int> Nearest(int[] zips, string? given)
    {
        if (given is null || !int.TryParse(given, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var z))
            return [.. zips.Take(AddressLimits.MaxZipsPerCity)];
        return [.. zips.OrderBy(x => Math.Abs(x - z)).ThenBy(x => x).Take(AddressLimits.MaxZipsPerCity)];
    }
}
