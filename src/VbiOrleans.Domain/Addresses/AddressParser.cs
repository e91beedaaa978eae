using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.Addresses;

/// <summary>An address read and put in Publication 28 form, with what was given beside it for the list of changes.</summary>
public sealed record ParsedAddress(StandardAddress Standardized, string GivenDeliveryLine, string? GivenCity, string? GivenState, string? GivenZip, string? CityKey);

/// <summary>
/// Reads an <see cref="AddressInput"/> (fields or one free-text line) and standardizes it: the delivery address line
/// by Publication 28 (standard suffix of Appendix C1 on the last street word, directionals, secondary unit designators
/// of Appendix C2, PO BOX), the last line as city, two-letter state and ZIP. It checks form only; whether the city,
/// state and ZIP exist is the matcher's work.
/// </summary>
public static class AddressParser
{
    /// <param name="isKnownCity">Whether a state has a city of this key; used only to split a line without commas ("1 MAIN ST SPRINGFIELD IL").</param>
    public static Result<ParsedAddress> Parse(AddressInput input, Func<string, string, bool> isKnownCity)
    {
        ArgumentNullException.ThrowIfNull(input);
        var hasFields = input.Name is not null || input.Company is not null || input.Street is not null || input.Secondary is not null
            || input.City is not null || input.State is not null || input.Zip is not null;
        if (input.Line is not null && hasFields)
            return new DomainError(ErrorCode.ValidationFailed, "give the address either as one line or as fields, not both");
        return input.Line is not null ? ParseLine(input.Line, isKnownCity) : ParseFields(input);
    }

    private static Result<ParsedAddress> ParseFields(AddressInput input)
    {
        var street = input.Street ?? [];
        if (street.Count > AddressLimits.MaxStreetLines)
            return new DomainError(ErrorCode.AddressLineTooLong, $"at most {AddressLimits.MaxStreetLines} street lines");
        foreach (var (field, value) in new[] { ("name", input.Name), ("company", input.Company), ("secondary", input.Secondary), ("city", input.City),
                     ("state", input.State), ("zip", input.Zip) }.Concat(street.Select(s => ("street", (string?)s))))
        {
            if (value is { Length: > AddressLimits.MaxFieldLength })
                return new DomainError(ErrorCode.AddressLineTooLong, $"{field} has {value.Length} characters; at most {AddressLimits.MaxFieldLength}");
            if (value is not null && value.Any(char.IsControl))
                return new DomainError(ErrorCode.ValidationFailed, $"{field} has a control character");
        }
        var deliveryWords = new List<string>();
        foreach (var line in street) deliveryWords.AddRange(AddressText.Words(line));
        deliveryWords.AddRange(AddressText.Words(input.Secondary));
        var givenDelivery = string.Join(' ', street.Append(input.Secondary).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!.Trim()));

        string? state = null;
        if (!string.IsNullOrWhiteSpace(input.State))
        {
            var stateWords = AddressText.Words(input.State);
            state = StateCode(stateWords);
            if (state is null) return UnknownState(input.State);
        }
        var zip = ReadZip(input.Zip);
        if (!zip.IsSuccess) return zip.Error;
        var cityWords = AddressText.Words(input.City);
        return Build(AddressText.Clean(input.Name), AddressText.Clean(input.Company), deliveryWords, givenDelivery, cityWords, Blank(input.City),
            state, Blank(input.State), zip.Value, Blank(input.Zip));
    }

    private static Result<ParsedAddress> ParseLine(string line, Func<string, string, bool> isKnownCity)
    {
        if (line.Length > AddressLimits.MaxLineLength)
            return new DomainError(ErrorCode.AddressLineTooLong, $"the line has {line.Length} characters; at most {AddressLimits.MaxLineLength}");
        if (line.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
            return new DomainError(ErrorCode.ValidationFailed, "the line has a control character");
        var segments = line.Split([',', '\n', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => (Text: s, Words: AddressText.Words(s))).Where(s => s.Words.Count > 0).ToList();
        if (segments.Count == 0) return Incomplete();

        // A country after the last line says nothing here: every ZIP of the data is in the United States' postal system.
        if (segments.Count > 1 || segments[0].Words.Count > 3)
        {
            var tail = segments[^1].Words;
            foreach (var country in Countries)
            {
                if (tail.Count >= country.Length && tail.Skip(tail.Count - country.Length).SequenceEqual(country))
                {
                    tail.RemoveRange(tail.Count - country.Length, country.Length);
                    if (tail.Count == 0) segments.RemoveAt(segments.Count - 1);
                    break;
                }
            }
        }

        // The last line from the end: ZIP, then state, then city, each possibly a segment of its own.
        var lastSegment = segments.Count - 1;
        var last = segments[lastSegment].Words;
        var end = last.Count;
        string? givenZip = null;
        if (end > 0 && LooksLikeZip(last[end - 1]))
        {
            givenZip = last[end - 1];
            end--;
        }
        var zip = ReadZip(givenZip);
        if (!zip.IsSuccess) return zip.Error;
        if (end == 0 && lastSegment > 0)
        {
            last = segments[--lastSegment].Words;
            end = last.Count;
        }

        string? state = null;
        string? givenState = null;
        for (var n = Math.Min(Publication28.LongestStateNameWords, end); n >= 1 && state is null; n--)
        {
            var candidate = last.GetRange(end - n, n);
            if (StateCode(candidate) is { } code && (n > 1 || end - n > 0 || lastSegment > 0))
            {
                state = code;
                givenState = string.Join(' ', candidate);
                end -= n;
            }
        }
        if (state is null && end > 0 && last[end - 1].Length == 2 && last[end - 1].All(char.IsAsciiLetter) && (givenZip is not null || end == 1))
            return UnknownState(last[end - 1]);

        // The city is what is left of that segment, or the segment before when the state and ZIP stood alone.
        var cityWords = last.GetRange(0, end);
        if (cityWords.Count == 0 && lastSegment > 0)
        {
            lastSegment--;
            cityWords = segments[lastSegment].Words;
        }

        // The delivery address line: the first segment (before the city's) that starts with a number or a box.
        var deliveryIndex = -1;
        for (var i = 0; i < lastSegment; i++)
        {
            if (IsDeliveryStart(segments[i].Words)) { deliveryIndex = i; break; }
        }
        List<string> deliveryWords;
        string givenDelivery;
        if (deliveryIndex >= 0)
        {
            deliveryWords = [];
            var given = new List<string>();
            for (var i = deliveryIndex; i < lastSegment; i++)
            {
                deliveryWords.AddRange(segments[i].Words);
                given.Add(segments[i].Text);
            }
            givenDelivery = string.Join(' ', given);
        }
        else
        {
            // No comma between street and city: "1 MAIN ST SPRINGFIELD IL 62701". The city is the longest known city
            // of the state at the end; without a state, what follows the street suffix or the unit.
            var segment = cityWords;
            if (!IsDeliveryStart(segment)) return Incomplete();
            deliveryIndex = lastSegment;
            var split = SplitStreetAndCity(segment, state, isKnownCity);
            if (split > 0 && split < segment.Count)
            {
                deliveryWords = segment.GetRange(0, split);
                cityWords = segment.GetRange(split, segment.Count - split);
            }
            else if (zip.Value is not null)
            {
                // "1 Infinite Loop, 95014": a street and a ZIP, no city to split off.
                deliveryWords = segment;
                cityWords = [];
            }
            else
            {
                return Incomplete();
            }
            givenDelivery = string.Join(' ', deliveryWords);
        }
        // Before the street: the name, then the company; a secondary unit written first ("Suite 200, 10 Grand Blvd")
        // goes after the street, where Publication 28 puts it.
        var before = segments.Take(deliveryIndex).ToList();
        foreach (var unit in before.Where(s => IsUnit(s.Words)))
        {
            deliveryWords.AddRange(unit.Words);
            givenDelivery += " " + unit.Text;
        }
        var people = before.Where(s => !IsUnit(s.Words)).ToList();
        var name = people.Count > 0 ? people[0].Text : null;
        var company = people.Count > 1 ? string.Join(' ', people.Skip(1).Select(s => s.Text)) : null;
        return Build(AddressText.Clean(name), AddressText.Clean(company), deliveryWords, givenDelivery, cityWords,
            cityWords.Count == 0 ? null : string.Join(' ', cityWords), state, givenState, zip.Value, givenZip);
    }

    private static Result<ParsedAddress> Build(string name, string company, List<string> deliveryWords, string givenDelivery, List<string> cityWords,
        string? givenCity, string? state, string? givenState, (string Zip5, string? Plus4)? zip, string? givenZip)
    {
        if (deliveryWords.Count == 0) return Incomplete();
        var delivery = StandardizeDeliveryLine(deliveryWords);
        var cityKey = cityWords.Count == 0 ? null : AddressText.CityKey(cityWords);
        if (zip is null && (cityKey is null || state is null)) return Incomplete();
        var standardized = new StandardAddress(name.Length == 0 ? null : name, company.Length == 0 ? null : company, delivery,
            cityWords.Count == 0 ? null : string.Join(' ', cityWords), state, zip?.Zip5, zip?.Plus4);
        return new ParsedAddress(standardized, givenDelivery, givenCity, givenState, givenZip, cityKey);
    }

    /// <summary>
    /// The delivery address line in Publication 28 form: the primary number; a directional before the street name is
    /// abbreviated when a name follows it; only the last street word is taken as the suffix and abbreviated (234.2:
    /// with two suffix words the first is part of the name); a directional after the suffix is abbreviated; a secondary
    /// unit at the end becomes its C2 abbreviation and range ('#' when no designator was given); PO BOX for the post
    /// office box spellings.
    /// </summary>
    public static string StandardizeDeliveryLine(IReadOnlyList<string> words)
    {
        if (words.Count == 0) return "";
        if (PoBox(words) is { } box) return box;
        if (RouteOrMilitary(words) is { } route) return route;

        var w = words.ToList();
        var secondary = TakeSecondary(w);
        var output = new List<string>(w.Count + 3);
        var i = 0;
        if (w.Count > 0 && char.IsAsciiDigit(w[0][0]))
        {
            output.Add(w[0]);
            i = 1;
            if (i < w.Count && IsFraction(w[i])) output.Add(w[i++]);
        }
        var end = w.Count;
        string? post = null;
        if (end - i >= 3 && Publication28.Directionals.TryGetValue(w[end - 1], out var postAbbreviation) && Publication28.Suffixes.ContainsKey(w[end - 2]))
        {
            post = postAbbreviation;
            end--;
        }
        if (end - i >= 2 && Publication28.Directionals.TryGetValue(w[i], out var pre) && !(end - i == 2 && Publication28.Suffixes.ContainsKey(w[end - 1])))
        {
            output.Add(pre);
            i++;
        }
        for (var k = i; k < end; k++)
        {
            var word = w[k];
            if (k == end - 1 && k > i && Publication28.Suffixes.TryGetValue(word, out var suffix)) word = suffix;
            output.Add(word);
        }
        if (post is not null) output.Add(post);
        if (secondary is not null) output.Add(secondary);
        return string.Join(' ', output);
    }

    private static string? PoBox(IReadOnlyList<string> w)
    {
        var n = w.Count;
        int skip = n >= 3 && w[0] == "POST" && w[1] == "OFFICE" && w[2] == "BOX" ? 3
            : n >= 3 && w[0] == "P" && w[1] == "O" && w[2] == "BOX" ? 3
            : n >= 2 && w[0] == "PO" && w[1] == "BOX" ? 2
            : n >= 2 && w[0] is "POB" or "POBOX" or "BOX" ? 1
            : 0;
        if (skip == 0 || skip >= n) return null;
        var rest = w.Skip(skip).Where(x => x != "#").ToList();
        return rest.Count == 0 ? null : "PO BOX " + string.Join(' ', rest);
    }

    /// <summary>Removes a secondary unit (designator and range, or '#' and range) from the end of the words and returns it standardized.</summary>
    private static string? TakeSecondary(List<string> w)
    {
        var n = w.Count;
        if (n >= 3 && w[n - 2] == "#" && IsRange(w[n - 1]))
        {
            var range = w[n - 1];
            w.RemoveRange(n - 2, 2);
            if (w.Count >= 3 && Publication28.UnitDesignators.TryGetValue(w[^1], out var d) && d.RequiresRange)
            {
                w.RemoveAt(w.Count - 1);
                return $"{d.Abbreviation} {range}";
            }
            return $"# {range}";
        }
        if (n >= 4 && IsRange(w[n - 1]) && Publication28.UnitDesignators.TryGetValue(w[n - 2], out var unit) && unit.RequiresRange)
        {
            var range = w[n - 1];
            w.RemoveRange(n - 2, 2);
            return $"{unit.Abbreviation} {range}";
        }
        if (n >= 3 && Publication28.UnitDesignators.TryGetValue(w[n - 1], out var bare) && !bare.RequiresRange)
        {
            w.RemoveAt(n - 1);
            return bare.Abbreviation;
        }
        return null;
    }

    private static bool IsUnit(List<string> words) =>
        (words.Count == 2 && Publication28.UnitDesignators.TryGetValue(words[0], out var d) && d.RequiresRange && IsRange(words[1]))
        || (words.Count == 2 && words[0] == "#" && IsRange(words[1]))
        || (words.Count == 1 && Publication28.UnitDesignators.TryGetValue(words[0], out var bare) && !bare.RequiresRange);

    private static bool IsRange(string word) => word.Length <= 8 && (word.Any(char.IsAsciiDigit) || word.Length == 1);

    private static bool IsFraction(string word) => word.Length >= 3 && word.Contains('/') && char.IsAsciiDigit(word[0]);

    private static bool IsDeliveryStart(List<string> words) =>
        words.Count > 0 && (char.IsAsciiDigit(words[0][0]) || PoBox(words) is not null || RouteOrMilitary(words) is not null);

    /// <summary>
    /// Rural routes and highway contract routes (241, 251: RR 2 BOX 5, HC 68 BOX 23) and military addresses (225:
    /// PSC 1234 BOX 5678, UNIT 2050 BOX 4190, CMR 450 BOX 7): the standard designator and the rest as written.
    /// </summary>
    private static string? RouteOrMilitary(IReadOnlyList<string> w)
    {
        var (designator, skip) = w.Count switch
        {
            >= 3 when w[0] == "RURAL" && w[1] == "ROUTE" => ("RR", 2),
            >= 3 when w[0] == "HIGHWAY" && w[1] == "CONTRACT" => ("HC", 2),
            >= 2 when w[0] is "RR" or "RFD" or "HC" => (w[0] == "RFD" ? "RR" : w[0], 1),
            >= 4 when w[0] is "PSC" or "CMR" or "UNIT" && w.Contains("BOX") => (w[0], 1),
            _ => ("", 0),
        };
        if (skip == 0 || !char.IsAsciiDigit(w[skip][0])) return null;
        return designator + " " + string.Join(' ', w.Skip(skip).Where(x => x != "#"));
    }

    /// <summary>Where the street ends and the city starts in one comma-free segment; 0 when it cannot tell.</summary>
    private static int SplitStreetAndCity(List<string> words, string? state, Func<string, string, bool> isKnownCity)
    {
        if (state is not null)
        {
            for (var start = Math.Max(2, words.Count - 5); start < words.Count; start++)
            {
                if (isKnownCity(state, AddressText.CityKey(words.GetRange(start, words.Count - start)))) return start;
            }
        }
        for (var k = words.Count - 2; k >= 1; k--)
        {
            if (Publication28.Suffixes.ContainsKey(words[k]) || (k >= 2 && IsRange(words[k]) && Publication28.UnitDesignators.ContainsKey(words[k - 1])))
                return k + 1;
        }
        return 0;
    }

    private static readonly string[][] Countries = [["UNITED", "STATES", "OF", "AMERICA"], ["UNITED", "STATES"], ["USA"], ["US"]];

    internal static bool LooksLikeZip(string word) => word.Length >= 3 && word.All(c => char.IsAsciiDigit(c) || c == '-') && char.IsAsciiDigit(word[0]);

    /// <summary>A ZIP as 5 digits, ZIP+4 as 5-4 or 9 digits; anything else given is <see cref="ErrorCode.InvalidZip"/>.</summary>
    private static Result<(string Zip5, string? Plus4)?> ReadZip(string? given)
    {
        var zip = given?.Trim();
        if (string.IsNullOrEmpty(zip)) return ((string, string?)?)null;
        if (zip.Length == 5 && zip.All(char.IsAsciiDigit)) return ((string, string?)?)(zip, null);
        if (zip.Length == 10 && zip[5] == '-' && zip[..5].All(char.IsAsciiDigit) && zip[6..].All(char.IsAsciiDigit)) return ((string, string?)?)(zip[..5], zip[6..]);
        if (zip.Length == 9 && zip.All(char.IsAsciiDigit)) return ((string, string?)?)(zip[..5], zip[5..]);
        return new DomainError(ErrorCode.InvalidZip, $"'{Shorten(zip)}' is not a ZIP: 5 digits, or ZIP+4 as 12345-6789");
    }

    private static string? StateCode(IReadOnlyList<string> words)
    {
        if (words.Count == 0) return null;
        if (words.Count == 1 && words[0].Length == 2) return Publication28.States.ContainsKey(words[0]) ? words[0] : null;
        return Publication28.StateNames.TryGetValue(string.Join(' ', words), out var code) ? code : null;
    }

    private static DomainError UnknownState(string given) =>
        new(ErrorCode.UnknownState, $"'{Shorten(given)}' is not a state: use a two-letter abbreviation of a state, territory or armed forces (CA, NY, PR, AE) or its name");

    private static DomainError Incomplete() => new(ErrorCode.AddressIncomplete,
        "the address needs a delivery address line (a house number and street, or PO BOX) and either a city and state or a ZIP");

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Shorten(string s) => s.Length <= 20 ? s : s[..20] + "…";
}
