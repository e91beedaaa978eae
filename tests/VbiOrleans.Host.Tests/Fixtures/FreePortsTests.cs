using System.Net;
using System.Net.Sockets;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Fixtures;

/// <summary>
/// The ports the tests give their hosts come from below the ephemeral range, so no outgoing connection on the machine
/// can take one between the choice and the host's bind.
/// </summary>
public sealed class FreePortsTests
{
    [Fact]
    public void Ports_are_distinct_below_the_ephemeral_range_and_a_listener_can_take_each()
    {
        var ephemeral = FreePorts.EphemeralRangeStart();
        var ports = Enumerable.Range(0, 100).Select(_ => FreePorts.Next()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, FreePorts.PortRange.Start, FreePorts.PortRange.End - 1));
        Assert.All(ports, p => Assert.True(p < ephemeral, $"port {p} is in the ephemeral range, which starts at {ephemeral}"));
        foreach (var port in ports.Take(20))
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }

    [Fact]
    public void A_port_something_listens_on_is_never_handed_out()
    {
        // Take every port of a stretch of the range by listening on it, then ask for ports: none of them comes back.
        var held = new List<Socket>();
        try
        {
            var next = FreePorts.Next();
            for (var port = next + 1; port < Math.Min(next + 40, FreePorts.PortRange.End); port++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    socket.Listen(1);
                    held.Add(socket);
                }
                catch (SocketException)
                {
                    socket.Dispose();
                }
            }
            var taken = held.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToHashSet();
            var handed = Enumerable.Range(0, 10).Select(_ => FreePorts.Next()).ToList();
            Assert.DoesNotContain(handed, taken.Contains);
        }
        finally
        {
            foreach (var socket in held) socket.Dispose();
        }
    }

    [Theory]
    [InlineData(32_768, 30_100, 32_700)]
    [InlineData(40_000, 30_100, 32_700)]
    [InlineData(20_000, 18_000, 20_000)]
    public void The_range_sits_below_wherever_the_ephemeral_range_starts(int ephemeralStart, int start, int end) =>
        Assert.Equal((start, end), FreePorts.ChooseRange(ephemeralStart));
}
