using System.Diagnostics;
using VbiOrleans.Domain.Addresses;

namespace VbiOrleans.Benchmarks;

/// <summary>
/// <c>--addresses</c>: address matching on one core, in process (matching is pure: no host, no database). A fixed,
/// seeded mix of inputs made from the ZIP data: exact one-line addresses with a name, exact fields, a wrong ZIP for
/// the city, a misspelled city (with and without its ZIP) and free text without commas. Prints matches per second and
/// the p50, p99 and maximum latency of one match, and how the answers were distributed by type of match.
/// </summary>
public static class AddressBenchmark
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/VbiOrleans.Benchmarks -- --addresses [--matches N] [--warmup N]
          --matches  timed matches (default 200000)
          --warmup   untimed matches first (default 20000)
        """;

    private const int Inputs = 4_096;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter progress)
    {
        int matches = 200_000, warmup = 20_000;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--matches" when i + 1 < args.Count && int.TryParse(args[i + 1], out var m) && m > 0: matches = m; i++; break;
                case "--warmup" when i + 1 < args.Count && int.TryParse(args[i + 1], out var w) && w >= 0: warmup = w; i++; break;
                default:
                    progress.WriteLine($"error: unknown or bad argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }
        // One core: the figure is per core, whatever else the machine runs.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()) Process.GetCurrentProcess().ProcessorAffinity = 1;

        var load = Stopwatch.StartNew();
        var places = ZipPlaces.Embedded;
        var matcher = new ZipLevelAddressMatcher(places);
        progress.WriteLine($"[bench] ZIP table: {places.ZipCount} ZIPs, {places.PlaceCount} places, loaded in {load.ElapsedMilliseconds} ms");
        var (inputs, kinds) = Mix(places);

        for (var i = 0; i < warmup; i++) matcher.Match(inputs[i % Inputs]);

        var latencies = new long[matches];
        var byType = new Dictionary<string, int>();
        var byKind = new Dictionary<string, int>();
        var timeByKind = new Dictionary<string, long>();
        var gcBefore = GC.CollectionCount(0);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < matches; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var result = matcher.Match(inputs[i % Inputs]);
            latencies[i] = Stopwatch.GetTimestamp() - t0;
            var type = !result.IsSuccess ? result.Error.Code.ToString() : result.Value.Matched ? result.Value.Candidates[0].Type.ToString() : "NotMatched";
            byType[type] = byType.GetValueOrDefault(type) + 1;
            byKind[kinds[i % Inputs]] = byKind.GetValueOrDefault(kinds[i % Inputs]) + 1;
            timeByKind[kinds[i % Inputs]] = timeByKind.GetValueOrDefault(kinds[i % Inputs]) + latencies[i];
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        Array.Sort(latencies);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

        output.WriteLine("address matching (ZIP level), one thread pinned to one core");
        output.WriteLine($"  machine         {Environment.ProcessorCount} logical processors, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        output.WriteLine($"  matches         {matches} timed after {warmup} untimed, over {Inputs} distinct inputs");
        output.WriteLine($"  input mix       {string.Join(", ", byKind.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value * 100.0 / matches:0}%"))}");
        output.WriteLine($"  best candidate  {string.Join(", ", byType.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value * 100.0 / matches:0.#}%"))}");
        output.WriteLine($"  throughput      {matches / elapsed.TotalSeconds:0} matches/s");
        output.WriteLine($"  latency         p50 {Ms(latencies[matches / 2]):0.000} ms, p99 {Ms(latencies[(int)(matches * 0.99)]):0.000} ms, max {Ms(latencies[^1]):0.000} ms");
        output.WriteLine($"  mean by input   {string.Join(", ", byKind.OrderBy(p => p.Key).Select(p => $"{p.Key} {Ms(timeByKind[p.Key]) * 1000 / p.Value:0.0} us"))}");
        output.WriteLine($"  gen0 GCs        {GC.CollectionCount(0) - gcBefore}");
        return 0;
    }

    /// <summary>The inputs, from a fixed seed, and what kind each is.</summary>
    private static (AddressInput[] Inputs, string[] Kinds) Mix(ZipPlaces places)
    {
        var random = new Random(18);
        var all = Enumerable.Range(0, Inputs * 4).Select(_ => places.ByZip(random.Next(100_000).ToString("D5"))).Where(p => p is not null).Select(p => p!).ToList();
        var inputs = new AddressInput[Inputs];
        var kinds = new string[Inputs];
        string[] streets = ["Main Street", "N Oak Ave", "Elm St Apt 4", "Harbor Blvd Suite 200", "West Lake Road", "Pine Ridge Dr", "Cedar Ln #12"];
        for (var i = 0; i < Inputs; i++)
        {
            var p = all[i % all.Count];
            var zip = p.ZipText(p.Zips[random.Next(p.Zips.Length)]);
            var street = $"{random.Next(1, 9999)} {streets[random.Next(streets.Length)]}";
            var city = Title(p.City);
            switch (i % 6)
            {
                case 0:
                    kinds[i] = "exact-line";
                    inputs[i] = AddressInput.OfLine($"Jane Roe, {street}, {city}, {p.State} {zip}");
                    break;
                case 1:
                    kinds[i] = "exact-fields";
                    inputs[i] = new AddressInput(Name: "Jane Roe", Street: [street], City: city, State: p.State, Zip: zip);
                    break;
                case 2:
                    var other = all[(i * 7 + 3) % all.Count];
                    kinds[i] = "wrong-zip";
                    inputs[i] = AddressInput.OfLine($"{street}, {city}, {p.State} {other.ZipText(other.Zips[0])}");
                    break;
                case 3:
                    kinds[i] = "misspelled-city";
                    inputs[i] = AddressInput.OfLine($"{street}, {Misspell(city, random)}, {p.State}");
                    break;
                case 4:
                    kinds[i] = "misspelled-city";
                    inputs[i] = AddressInput.OfLine($"{street}, {Misspell(city, random)}, {p.State} {zip}");
                    break;
                default:
                    kinds[i] = "free-text";
                    inputs[i] = AddressInput.OfLine($"{street} {city} {p.State} {zip}");
                    break;
            }
        }
        return (inputs, kinds);
    }

    private static string Title(string city) =>
        string.Join(' ', city.Split(' ').Select(w => w.Length <= 1 ? w : w[0] + w[1..].ToLowerInvariant()));

    /// <summary>One typing error: two letters swapped, one dropped, or one doubled.</summary>
    private static string Misspell(string city, Random random)
    {
        if (city.Length < 4) return city + "e";
        var k = random.Next(1, city.Length - 2);
        return random.Next(3) switch
        {
            0 => city[..k] + city[k + 1] + city[k] + city[(k + 2)..],
            1 => city[..k] + city[(k + 1)..],
            _ => city[..k] + city[k] + city[k..],
        };
    }
}
