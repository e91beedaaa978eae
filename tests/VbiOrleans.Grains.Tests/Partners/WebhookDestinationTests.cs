using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Grains.Partners;

namespace VbiOrleans.Grains.Tests.Partners;

/// <summary>
/// Webhook destinations as an attacker picks them: every class of inward address, in every spelling a URL allows,
/// is refused at registration; and a public-looking name that resolves inward is refused when a delivery connects,
/// before any byte reaches the address it resolved to.
/// </summary>
public sealed class WebhookDestinationTests
{
    private static WebhookDestinationPolicy Policy(bool? allowLoopback = null, params string[] allowedHosts) =>
        new(Options.Create(new WebhookDestinationOptions { AllowLoopback = allowLoopback, AllowedHosts = [.. allowedHosts] }));

    [Theory]
    [InlineData("127.0.0.1", DestinationClass.Loopback)]
    [InlineData("127.255.0.9", DestinationClass.Loopback)]
    [InlineData("::1", DestinationClass.Loopback)]
    [InlineData("::ffff:127.0.0.1", DestinationClass.Loopback)]
    [InlineData("::127.0.0.1", DestinationClass.Loopback)]
    [InlineData("64:ff9b::127.0.0.1", DestinationClass.Loopback)]
    [InlineData("10.0.0.1", DestinationClass.Private)]
    [InlineData("172.16.0.1", DestinationClass.Private)]
    [InlineData("172.31.255.254", DestinationClass.Private)]
    [InlineData("192.168.1.1", DestinationClass.Private)]
    [InlineData("fc00::1", DestinationClass.Private)]
    [InlineData("fd12:3456::1", DestinationClass.Private)]
    [InlineData("fec0::1", DestinationClass.Private)]
    [InlineData("::ffff:192.168.0.10", DestinationClass.Private)]
    [InlineData("2002:0a00:0001::1", DestinationClass.Private)]
    [InlineData("169.254.169.254", DestinationClass.LinkLocal)]
    [InlineData("169.254.0.1", DestinationClass.LinkLocal)]
    [InlineData("fe80::1", DestinationClass.LinkLocal)]
    [InlineData("febf::1", DestinationClass.LinkLocal)]
    [InlineData("::ffff:169.254.169.254", DestinationClass.LinkLocal)]
    [InlineData("0.0.0.0", DestinationClass.Unspecified)]
    [InlineData("::", DestinationClass.Unspecified)]
    [InlineData("::ffff:0.0.0.0", DestinationClass.Unspecified)]
    [InlineData("100.64.0.1", DestinationClass.SharedAddressSpace)]
    [InlineData("100.127.255.254", DestinationClass.SharedAddressSpace)]
    [InlineData("224.0.0.1", DestinationClass.Multicast)]
    [InlineData("239.255.255.250", DestinationClass.Multicast)]
    [InlineData("ff02::1", DestinationClass.Multicast)]
    [InlineData("::ffff:224.0.0.1", DestinationClass.Multicast)]
    [InlineData("255.255.255.255", DestinationClass.Broadcast)]
    [InlineData("::ffff:255.255.255.255", DestinationClass.Broadcast)]
    [InlineData("0.1.2.3", DestinationClass.Reserved)]
    [InlineData("240.0.0.1", DestinationClass.Reserved)]
    [InlineData("192.0.2.1", DestinationClass.Reserved)]
    [InlineData("2001:db8::1", DestinationClass.Reserved)]
    [InlineData("93.184.216.34", DestinationClass.Public)]
    [InlineData("172.32.0.1", DestinationClass.Public)]
    [InlineData("100.128.0.1", DestinationClass.Public)]
    [InlineData("169.255.0.1", DestinationClass.Public)]
    [InlineData("2606:4700:4700::1111", DestinationClass.Public)]
    [InlineData("::ffff:8.8.8.8", DestinationClass.Public)]
    public void Every_address_has_its_class(string address, DestinationClass expected) =>
        Assert.Equal(expected, WebhookDestinationPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://127.0.0.1/hooks", "loopback")]
    [InlineData("https://127.1/hooks", "loopback")]
    [InlineData("https://2130706433/hooks", "loopback")]
    [InlineData("https://0x7f000001/hooks", "loopback")]
    [InlineData("https://0177.0.0.1/hooks", "loopback")]
    [InlineData("https://127.000.000.001/hooks", "loopback")]
    [InlineData("https://0x7f.0.0.1/hooks", "loopback")]
    [InlineData("https://[0:0:0:0:0:ffff:7f00:1]/hooks", "loopback")]
    [InlineData("https://[::ffff:169.254.169.254]/latest/meta-data/", "link-local")]
    [InlineData("https://0xa9fea9fe/latest/meta-data/", "link-local")]
    [InlineData("https://[::1]:8443/hooks", "loopback")]
    [InlineData("https://[::ffff:127.0.0.1]/hooks", "loopback")]
    [InlineData("https://localhost/hooks", "loopback")]
    [InlineData("https://LocalHost./hooks", "loopback")]
    [InlineData("https://api.localhost/hooks", "loopback")]
    [InlineData("https://10.1.2.3/hooks", "private")]
    [InlineData("https://[fd00::5]/hooks", "private")]
    [InlineData("https://[::ffff:a01:203]/hooks", "private")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("https://[fe80::1]/hooks", "link-local")]
    [InlineData("https://0.0.0.0/hooks", "unspecified")]
    [InlineData("https://[::]/hooks", "unspecified")]
    [InlineData("https://100.64.1.1/hooks", "carrier-grade NAT")]
    [InlineData("https://224.0.0.251/hooks", "multicast")]
    [InlineData("https://255.255.255.255/hooks", "broadcast")]
    [InlineData("https://postgres:5432/hooks", "local name")]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/", "local name")]
    [InlineData("https://printer.local/hooks", "local name")]
    [InlineData("https://router.home.arpa/hooks", "local name")]
    public void An_inward_destination_is_refused_at_registration(string url, string named)
    {
        var refusal = Policy().CheckUrl(url);
        Assert.NotNull(refusal);
        Assert.Contains(named, refusal);
        Assert.Contains("Vbi:Webhooks:AllowedHosts", refusal);
    }

    [Theory]
    [InlineData("https://hooks.example.com/vbi")]
    [InlineData("https://93.184.216.34:8443/vbi")]
    [InlineData("https://[2606:4700:4700::1111]/vbi")]
    [InlineData("http://shop.example.org/hooks?x=1")]
    public void A_public_destination_is_accepted(string url) => Assert.Null(Policy().CheckUrl(url));

    [Fact]
    public void Loopback_is_allowed_only_when_configured_and_allows_nothing_else()
    {
        var local = Policy(allowLoopback: true);
        Assert.Null(local.CheckUrl("http://127.0.0.1:5000/hooks"));
        Assert.Null(local.CheckUrl("http://localhost:5000/hooks"));
        Assert.Null(local.CheckUrl("http://[::1]:5000/hooks"));
        Assert.NotNull(local.CheckUrl("http://10.0.0.1/hooks"));
        Assert.NotNull(local.CheckUrl("http://169.254.169.254/"));
        Assert.NotNull(local.CheckUrl("http://intranet/hooks"));
        Assert.NotNull(Policy(allowLoopback: false).CheckUrl("http://127.0.0.1:5000/hooks"));
        Assert.NotNull(Policy().CheckUrl("http://127.0.0.1:5000/hooks"));
    }

    [Fact]
    public void An_allowed_host_is_accepted_by_its_exact_name_only()
    {
        var policy = Policy(null, "receiver.internal", "10.0.0.7");
        Assert.Null(policy.CheckUrl("https://receiver.internal/hooks"));
        Assert.Null(policy.CheckUrl("https://RECEIVER.internal./hooks"));
        Assert.Null(policy.CheckUrl("https://10.0.0.7/hooks"));
        Assert.Null(policy.CheckResolved("receiver.internal", [IPAddress.Parse("10.0.0.9")]));
        Assert.NotNull(policy.CheckUrl("https://other.internal/hooks"));
        Assert.NotNull(policy.CheckUrl("https://10.0.0.8/hooks"));
        Assert.NotNull(policy.CheckUrl("https://x.receiver.internal/hooks"));
        // An address is matched in its canonical form, however the URL spells it.
        Assert.Null(Policy(null, "127.0.0.1").CheckUrl("http://2130706433:8080/hooks"));
        Assert.NotNull(Policy(null, "127.0.0.1").CheckUrl("http://127.0.0.2:8080/hooks"));
    }

    [Fact]
    public void At_connect_time_every_resolved_address_is_checked()
    {
        var policy = Policy();
        Assert.Null(policy.CheckResolved("hooks.example.com", [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("2606:4700::1")]));
        var mixed = policy.CheckResolved("hooks.example.com", [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("::ffff:127.0.0.1")]);
        Assert.Contains("resolved to ::ffff:127.0.0.1, a loopback address", mixed);
        Assert.Contains("a link-local address", policy.CheckResolved("hooks.example.com", [IPAddress.Parse("169.254.169.254")]));
        Assert.Contains("resolved to no address", policy.CheckResolved("hooks.example.com", []));
        Assert.Contains("a loopback name", policy.CheckResolved("localhost", [IPAddress.Parse("93.184.216.34")]));
    }

    /// <summary>
    /// The delivery client, over real sockets: a name that looks public but resolves to loopback (as a rebinding DNS
    /// server would answer at delivery time) is refused before connecting, and logged; the receiver listening on that
    /// loopback address is never reached. The same name allowed by an operator is delivered to the address it resolved
    /// to, which shows that the connection goes where the checked resolution said.
    /// </summary>
    [Fact]
    public async Task A_public_looking_name_that_resolves_to_loopback_is_refused_at_delivery()
    {
        using var receiver = new TcpListener(IPAddress.Loopback, 0);
        receiver.Start();
        var port = ((IPEndPoint)receiver.LocalEndpoint).Port;
        var lookups = new ConcurrentQueue<string>();
        WebhookHostResolver rebinding = (host, _) =>
        {
            lookups.Enqueue(host);
            return Task.FromResult(new[] { IPAddress.Loopback });
        };
        var url = $"http://hooks.example.com:{port}/vbi";

        var log = new ListLogger();
        using (var refused = new WebhookHttp(Policy(), log, rebinding))
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => refused.Client.PostAsync(url, new StringContent("{}")));
            Assert.Contains("refused: the webhook host hooks.example.com resolved to 127.0.0.1, a loopback address", error.Message);
            Assert.Equal(["hooks.example.com"], lookups);
            Assert.False(receiver.Pending(), "the refused delivery reached the receiver");
            var warning = Assert.Single(log.Lines);
            Assert.StartsWith("Warning: Webhook delivery to hooks.example.com refused", warning);
        }

        using var allowed = new WebhookHttp(Policy(null, "hooks.example.com"), new ListLogger(), rebinding);
        var delivery = allowed.Client.PostAsync(url, new StringContent("{\"n\":1}", Encoding.UTF8, "application/json"));
        using (var connection = await receiver.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10)))
        {
            var stream = connection.GetStream();
            var request = await ReadHeadAsync(stream);
            Assert.StartsWith("POST /vbi HTTP/1.1", request);
            Assert.Contains($"Host: hooks.example.com:{port}", request);
            await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray());
            using var response = await delivery.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (read == 0) break;
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return head.ToString();
    }

    private sealed class ListLogger : ILogger<WebhookHttp>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
