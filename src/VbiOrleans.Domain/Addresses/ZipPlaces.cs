using System.Globalization;
using System.Numerics;
using System.Reflection;

namespace VbiOrleans.Domain.Addresses;

/// <summary>A place of the ZIP data: a state, a city and its ZIPs (ascending).</summary>
public sealed record ZipPlace(int Index, string State, string City, string Key, int[] Zips)
{
    internal uint LetterMask { get; } = MaskOf(Key);

    public string ZipText(int zip) => zip.ToString("D5", CultureInfo.InvariantCulture);

    internal static uint MaskOf(string key)
    {
        uint mask = 0;
        foreach (var c in key)
        {
            if (c is >= 'A' and <= 'Z') mask |= 1u << (c - 'A');
            else if (c is >= '0' and <= '9') mask |= 1u << 26;
        }
        return mask;
    }
}

/// <summary>
/// The ZIP data the matcher checks against: every 5-digit ZIP with its city and state, from the embedded
/// <c>Data/zip-places.txt</c> (made by infra/data/zip-places.mjs from the npm package zipcodes; the source, version and
/// licence are in its header). One city per ZIP: the data set has no acceptable alternate city names.
/// </summary>
public sealed class ZipPlaces
{
    private const string ResourceName = "VbiOrleans.Domain.Addresses.Data.zip-places.txt";
    private static readonly Lazy<ZipPlaces> s_embedded = new(LoadEmbedded);

    private readonly ZipPlace[] _places;
    private readonly int[] _byZip;
    private readonly Dictionary<string, ZipPlace> _byStateCity;
    private readonly Dictionary<string, ZipPlace[]> _byState;

    private ZipPlaces(List<ZipPlace> places, string source)
    {
        _places = [.. places];
        Source = source;
        _byZip = new int[100_000];
        Array.Fill(_byZip, -1);
        _byStateCity = new Dictionary<string, ZipPlace>(StringComparer.Ordinal);
        foreach (var p in _places)
        {
            foreach (var z in p.Zips) _byZip[z] = p.Index;
            _byStateCity.TryAdd(p.State + "|" + p.Key, p);
        }
        _byState = _places.GroupBy(p => p.State).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The embedded table, read once.</summary>
    public static ZipPlaces Embedded => s_embedded.Value;

    /// <summary>Where the data comes from: "npm package zipcodes 8.0.0 …".</summary>
    public string Source { get; }

    public int ZipCount => _places.Sum(p => p.Zips.Length);

    public int PlaceCount => _places.Length;

    /// <summary>The place of a 5-digit ZIP, or null when the data has no such ZIP.</summary>
    public ZipPlace? ByZip(string zip5)
    {
        if (zip5.Length != 5 || !int.TryParse(zip5, NumberStyles.None, CultureInfo.InvariantCulture, out var z)) return null;
        var index = _byZip[z];
        return index < 0 ? null : _places[index];
    }

    /// <summary>The place of a city (by <see cref="AddressText.CityKey(string?)"/>) in a state, or null.</summary>
    public ZipPlace? ByCity(string state, string cityKey) => _byStateCity.GetValueOrDefault(state + "|" + cityKey);

    public bool HasCity(string state, string cityKey) => _byStateCity.ContainsKey(state + "|" + cityKey);

    /// <summary>The places of a state whose key is within <paramref name="maxDistance"/> edits (insert, delete, substitute, swap) of the key, closest first.</summary>
    public List<(ZipPlace Place, int Distance)> Near(string state, string cityKey, int maxDistance)
    {
        var found = new List<(ZipPlace, int)>();
        if (!_byState.TryGetValue(state, out var places)) return found;
        var mask = ZipPlace.MaskOf(cityKey);
        foreach (var p in places)
        {
            // Each edit changes at most two letters of the set of letters used, and the length by at most one: cheap
            // filters that leave the edit distance to a few places of the state.
            if (Math.Abs(p.Key.Length - cityKey.Length) > maxDistance) continue;
            if (BitOperations.PopCount(p.LetterMask ^ mask) > 2 * maxDistance) continue;
            var d = EditDistance.Bounded(cityKey, p.Key, maxDistance);
            if (d <= maxDistance) found.Add((p, d));
        }
        found.Sort((a, b) => a.Item2 != b.Item2 ? a.Item2.CompareTo(b.Item2) : string.CompareOrdinal(a.Item1.Key, b.Item1.Key));
        return found;
    }

    /// <summary>Reads the table format of infra/data/zip-places.mjs.</summary>
    public static ZipPlaces Parse(TextReader reader)
    {
        var places = new List<ZipPlace>(32_000);
        var source = "";
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                if (line.StartsWith("# Source: ", StringComparison.Ordinal)) source = line["# Source: ".Length..];
                continue;
            }
            var first = line.IndexOf('|', StringComparison.Ordinal);
            var second = line.IndexOf('|', first + 1);
            if (first != 2 || second < 0) throw new InvalidDataException($"not a ZIP place line: {line}");
            var state = line[..2];
            var city = line[(first + 1)..second];
            var parts = line[(second + 1)..].Split(' ');
            var zips = new int[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                var v = int.Parse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture);
                zips[i] = i == 0 ? v : zips[i - 1] + v;
            }
            places.Add(new ZipPlace(places.Count, state, city, AddressText.CityKey(city), zips));
        }
        return new ZipPlaces(places, source);
    }

    private static ZipPlaces LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }
}

/// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring), bounded.</summary>
public static class EditDistance
{
    /// <summary>The distance, or <paramref name="max"/> + 1 as soon as it is known to be larger.</summary>
    public static int Bounded(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max) return max + 1;
        var n = b.Length;
        Span<int> prev2 = n + 1 <= 64 ? stackalloc int[n + 1] : new int[n + 1];
        Span<int> prev = n + 1 <= 64 ? stackalloc int[n + 1] : new int[n + 1];
        Span<int> cur = n + 1 <= 64 ? stackalloc int[n + 1] : new int[n + 1];
        for (var j = 0; j <= n; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            var rowMin = cur[0];
            for (var j = 1; j <= n; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var v = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, prev2[j - 2] + 1);
                cur[j] = v;
                if (v < rowMin) rowMin = v;
            }
            if (rowMin > max) return max + 1;
            var t = prev2;
            prev2 = prev;
            prev = cur;
            cur = t;
        }
        return Math.Min(prev[n], max + 1);
    }
}
