using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>
/// Bytes the hosts moved over TCP during a phase, by link, from the kernel's per-connection counters
/// (<c>ss -tinp</c>: tcp_info's bytes_acked, the bytes the peer acknowledged, and bytes_received) of every established
/// connection a host process owns: to each PostgreSQL server (by its port), with customers (the hosts' HTTP ports), and
/// the rest (between silos, Azurite). Payload bytes, without TCP/IP headers; a connection opened and closed within the
/// phase is not seen (the hosts keep theirs pooled, so that is rare), one opened during it counts from zero.
/// </summary>
public sealed partial record WireBytes(IReadOnlyDictionary<string, long> ByLink)
{
    private static readonly TimeSpan SsTimeout = TimeSpan.FromSeconds(20);

    public sealed record Snapshot(Dictionary<string, (string Link, long Bytes)> Connections);

    /// <param name="postgres">Port to the label of each PostgreSQL server.</param>
    /// <param name="http">The hosts' HTTP ports.</param>
    public static async Task<Snapshot> TakeAsync(IReadOnlyCollection<int> hostPids, IReadOnlyDictionary<int, string> postgres, IReadOnlySet<int> http,
        CancellationToken cancellation)
    {
        var info = new ProcessStartInfo("ss") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-tinpH");
        using var process = Process.Start(info) ?? throw new BenchmarkFailure("could not start ss (iproute2)");
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        _ = process.StandardError.ReadToEndAsync(cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(SsTimeout);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new BenchmarkFailure($"ss -tinp exited with {process.ExitCode}");

        var connections = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        var lines = (await output).Split('\n');
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            var header = Header().Match(lines[i]);
            if (!header.Success) continue;
            // The counters are on the indented line that follows the connection's line.
            var counters = lines[i + 1];
            i++;
            var pid = Pid().Match(header.Groups["users"].Value);
            if (!pid.Success || !hostPids.Contains(int.Parse(pid.Groups[1].Value, CultureInfo.InvariantCulture))) continue;
            var localPort = int.Parse(header.Groups["lport"].Value, CultureInfo.InvariantCulture);
            var peerPort = int.Parse(header.Groups["pport"].Value, CultureInfo.InvariantCulture);
            var link = postgres.TryGetValue(peerPort, out var server) ? $"PostgreSQL {server}"
                : http.Contains(localPort) ? "HTTP with customers"
                : "between silos and other";
            connections[$"{header.Groups["local"].Value} {header.Groups["peer"].Value}"] = (link, Counter(counters, "bytes_acked") + Counter(counters, "bytes_received"));
        }
        return new Snapshot(connections);
    }

    public static WireBytes Since(Snapshot before, Snapshot after) =>
        new(after.Connections
            .Select(c => (c.Value.Link, Bytes: c.Value.Bytes - (before.Connections.TryGetValue(c.Key, out var b) ? b.Bytes : 0)))
            .GroupBy(c => c.Link)
            .ToDictionary(g => g.Key, g => g.Sum(c => Math.Max(0, c.Bytes))));

    public string Describe(int prints) =>
        "bytes on the wire per print (the hosts' TCP connections, ss -tinp bytes_acked + bytes_received, both directions): " +
        string.Join(", ", ByLink.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key} {l.Value / (double)prints:F0}")) +
        $" (total {ByLink.Values.Sum() / (double)prints:F0})";

    private static long Counter(string line, string name)
    {
        var match = Regex.Match(line, $@"\b{name}:(\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^ESTAB\s+\d+\s+\d+\s+(?<local>\S+:(?<lport>\d+))\s+(?<peer>\S+:(?<pport>\d+))\s+(?<users>users:.*)$")]
    private static partial Regex Header();

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex Pid();
}
