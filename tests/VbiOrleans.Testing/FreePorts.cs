using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VbiOrleans.Testing;

/// <summary>
/// Listening ports for the hosts, fake servers and private services the tests and the benchmark start.
/// <para>
/// A port is chosen below the kernel's range of ephemeral ports (<c>/proc/sys/net/ipv4/ip_local_port_range</c>,
/// 32768–60999 by default). A port from that range, free when it is chosen, can be taken a moment later as the local
/// end of any outgoing connection on the machine (to PostgreSQL, to a gateway, to Azurite), and the host that was to
/// listen on it then fails to start with "address in use". Below that range only an explicit bind can take a port.
/// </para>
/// <para>
/// The range starts above 30000 (a silo gateway's default, which the README's first command uses) and above
/// Orleans' TestingHost ranges (gateways 12000–22000, silos 22300–30000); the replica pairs of infra/local/services.sh
/// take 10100–10299. A process starts at a random place in the range, so two processes rarely probe the same ports,
/// and it hands no port out twice.
/// </para>
/// </summary>
public static class FreePorts
{
    private const int RangeStart = 30_100;
    private const int PreferredEnd = 32_700;

    private static readonly HashSet<int> Handed = [];
    private static readonly (int Start, int End) Range = ChooseRange(EphemeralRangeStart());
    private static int _next = Range.Start + Random.Shared.Next(Range.End - Range.Start);

    /// <summary>A loopback port nothing listens on now, outside the ephemeral range, never handed out twice in this process.</summary>
    public static int Next()
    {
        lock (Handed)
        {
            var size = Range.End - Range.Start;
            for (var tried = 0; tried < size; tried++)
            {
                var port = _next;
                _next = _next + 1 < Range.End ? _next + 1 : Range.Start;
                if (Handed.Contains(port) || !Bindable(port)) continue;
                Handed.Add(port);
                return port;
            }
            throw new InvalidOperationException($"no free loopback port in {Range.Start}–{Range.End - 1}");
        }
    }

    /// <summary>The range ports come from: [start, end).</summary>
    public static (int Start, int End) PortRange => Range;

    /// <summary>
    /// [30100, 32700) when the ephemeral range starts at 32768 or above; otherwise the 2,000 ports below wherever it
    /// starts (a machine configured with a wider ephemeral range), and never below 1024.
    /// </summary>
    public static (int Start, int End) ChooseRange(int ephemeralStart)
    {
        if (ephemeralStart >= PreferredEnd) return (RangeStart, PreferredEnd);
        var end = Math.Max(ephemeralStart, 1024 + 2_000);
        return (end - 2_000, end);
    }

    /// <summary>The first ephemeral port of this machine (Linux), or 32768 where it cannot be read.</summary>
    public static int EphemeralRangeStart()
    {
        const string path = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            var fields = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(fields[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            probe.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
