using System.Diagnostics;
using System.Security.Cryptography;
using VbiOrleans.Labels;

namespace VbiOrleans.Benchmarks;

/// <summary>
/// <c>--labels</c>: label rendering alone, in process, on one core (no host, no database): N labels per format of the
/// 4x6 layout at 300 dpi from a 190-byte indicium (the size of a first-class print to a ZIP+4), the way the host renders
/// one for a print: a letter, then an addressed label whose every print has its own indicium, recipient, weight and
/// tracking number from one sender (so from one template). The warm-up renders first, outside the timed part, so the
/// templates are built as a running host has them. Prints milliseconds of CPU per label and the size of one label per format.
/// </summary>
public static class LabelBenchmark
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/VbiOrleans.Benchmarks -- --labels [--count N] [--warmup N]
          --count   timed labels per format (default 500)
          --warmup  untimed labels per format first (default 50)
        """;

    private const int IndiciumBytes = 190;

    private static void Measure(TextWriter output, string name, LabelRequest request, Func<int, LabelContent> content, int count, int warmup)
    {
        var bytes = 0;
        for (var i = 0; i < Math.Max(1, warmup); i++) bytes = LabelRenderer.Render(content(i), request).Bytes.Length;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) bytes = LabelRenderer.Render(content(i), request).Bytes.Length;
        var elapsed = wall.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        output.WriteLine($"{name}: {elapsed.TotalMilliseconds / count:F3} ms per label (wall), {cpuUsed.TotalMilliseconds / count:F3} ms CPU " +
                         $"(GC included); {bytes} bytes");
    }

    private static readonly (string Name, LabelFormat Format)[] Formats =
        [("pdf", LabelFormat.Pdf), ("png", LabelFormat.Png), ("zpl", LabelFormat.Zpl), ("svg", LabelFormat.Svg)];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter progress)
    {
        int count = 500, warmup = 50;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--count" when i + 1 < args.Count && int.TryParse(args[i + 1], out var c) && c > 0: count = c; i++; break;
                case "--warmup" when i + 1 < args.Count && int.TryParse(args[i + 1], out var w) && w >= 0: warmup = w; i++; break;
                default:
                    progress.WriteLine($"error: unknown or bad argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }
        // One core: the figure is per core, whatever else the machine runs.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()) Process.GetCurrentProcess().ProcessorAffinity = 1;

        // As the host does at start-up when its configuration chooses the AGPL licence (the tests do the same).
        PdfSharp.PdfSharpLicense.SetAgplLicense();
        var indicium = RandomNumberGenerator.GetBytes(IndiciumBytes);
        var content = new LabelContent(indicium, 630, new DateOnly(2026, 12, 7), "10001", "94105-1234", "First-Class Mail", "VBI-ORL-1 000123",
            "Postage", "m-0123456789abcdef-000042");
        var load = File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        output.WriteLine($"labels: {count} per format (+{warmup} warmup), layout label-4x6, 300 dpi, a {IndiciumBytes}-byte indicium, one core; load average {load}");
        foreach (var (name, format) in Formats)
        {
            Measure(output, $"label {name}", new LabelRequest(format, LabelLayout.Label4x6, 300), _ => content, count, warmup);
        }
        // 64 addressed prints cycled: each its own indicium, recipient, weight and tracking number; one sender and class.
        var addressed = Enumerable.Range(0, 64).Select(i => content with
        {
            Indicium = RandomNumberGenerator.GetBytes(IndiciumBytes),
            Shipment = new LabelShipment(["ACME SUPPLY CO", "350 5TH AVE STE 4700", "NEW YORK NY 10118-0110"],
                [$"JANE ROE {i}", $"{100 + i} DR CARLTON B GOODLETT PL", "SAN FRANCISCO CA 94102-4603"], "USPS GROUND ADVANTAGE",
                1 + (i * 0.75m), $"92055901234{i:D10}5", "941024603"),
        }).ToArray();
        foreach (var (name, format) in Formats)
        {
            Measure(output, $"label {name} addressed", new LabelRequest(format, LabelLayout.Label4x6, 300), i => addressed[i % addressed.Length], count, warmup);
        }
        return 0;
    }
}
