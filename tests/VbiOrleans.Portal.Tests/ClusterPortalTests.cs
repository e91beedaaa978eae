using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// The portal in a cluster of two host processes: the key ring is in the membership database every silo reads,
/// encrypted to the configured certificate, so the second host takes the session cookie and antiforgery token the
/// first made; and the scheme and address a reverse proxy forwards are believed only from a configured proxy (here
/// 127.0.0.2: loopback addresses other than 127.0.0.1 stand in for the ingress), so behind a TLS-terminating ingress
/// the antiforgery cookie is Secure and the audit log has the client's address.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ClusterPortalTests(PortalFixture portal)
{
    private const string Proxy = "127.0.0.2";

    [Fact]
    public async Task A_second_host_takes_the_first_hosts_cookies_and_believes_forwarded_headers_only_from_its_trusted_proxy()
    {
        var env = portal.ClusterEnvironment();
        env["Vbi__Portal__TrustedProxies__0"] = Proxy;
        await using var second = HostProcess.Start(env);
        var page = await portal.OperatorAsync(); // signed in at the first host while the second starts
        await page.GotoAsync("/operator/system");
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
        Assert.Contains(second.Output, l => l.Contains("Portal keys: the membership database", StringComparison.Ordinal) && l.Contains("encrypted to certificate", StringComparison.Ordinal));

        // One key ring for the cluster, in its database, its secret encrypted to the certificate (no master key in clear).
        var ring = await LocalServices.ScalarAsync<string>(portal.Database,
            "SELECT string_agg(xml, '' ORDER BY id) FROM vbi_portal_keys WHERE service_id = @service", ("service", portal.ClusterId));
        Assert.NotNull(ring);
        Assert.Single(Regex.Matches(ring, "<key "));
        Assert.Contains("<encryptedSecret", ring, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", ring, StringComparison.Ordinal);

        // The same browser at the second host (cookies go by host name, not port): its operator session holds there,
        // and a form the first host rendered is taken there, with its token; without it, refused.
        await page.GotoAsync(new Uri(second.BaseAddress, "/operator/modules").ToString());
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"{second.HttpPort}/operator/modules$"));
        await Assertions.Expect(page.GetByText("Signed in as " + HostEnvironment.OperatorName)).ToBeVisibleAsync();
        var posted = await page.APIRequest.PostAsync(new Uri(second.BaseAddress, "/operator/system").ToString(), new()
        {
            Form = page.APIRequest.CreateFormData().Set("_handler", "stop-system").Set("StopForm.Reason", "").Set("__RequestVerificationToken", token),
        });
        Assert.Equal(200, posted.Status);
        Assert.Contains("Give the reason for the audit log.", await posted.TextAsync(), StringComparison.Ordinal); // the page ran the form, which stopped nothing
        var forged = await page.APIRequest.PostAsync(new Uri(second.BaseAddress, "/operator/system").ToString(), new()
        {
            Form = page.APIRequest.CreateFormData().Set("_handler", "stop-system").Set("StopForm.Reason", ""),
        });
        Assert.Equal(400, forged.Status);

        // Forwarded headers: from the trusted proxy the request is https (the antiforgery cookie Secure) and from the
        // client's address; from anyone else, and at a host that trusts no proxy, the headers change nothing.
        var trustedClient = "203.0.113." + Random.Shared.Next(1, 120);
        var untrustedClient = "203.0.113." + Random.Shared.Next(130, 250);
        Assert.Contains("secure", await AntiforgeryCookieAsync(second.BaseAddress, Proxy, trustedClient), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", await AntiforgeryCookieAsync(second.BaseAddress, "127.0.0.1", untrustedClient), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", await AntiforgeryCookieAsync(portal.BaseAddress, Proxy, untrustedClient), StringComparison.OrdinalIgnoreCase);
        using var api = portal.Operator();
        var logins = (await api.GetOperatorAuditAsync()).Where(e => e is { Method: "GET", Path: "/operator/login" }).ToList();
        Assert.Single(logins, e => e.RemoteAddress == trustedClient);
        Assert.DoesNotContain(logins, e => e.RemoteAddress == untrustedClient);
        Assert.Contains(logins, e => e.RemoteAddress == Proxy);
    }

    /// <summary>The antiforgery cookie the log-in page sets, asked from <paramref name="from"/> with a proxy's headers saying https and <paramref name="client"/>.</summary>
    private static async Task<string> AntiforgeryCookieAsync(Uri host, string from, string client)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }) { BaseAddress = host };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/operator/login");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", client);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(VbiOrleans.Host.Portal.PortalSetup.AntiforgeryCookie + "=", StringComparison.Ordinal));
    }
}
