using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Protocol.Partners;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>A partner's webhook endpoint: Kestrel on loopback, recording every delivery; it can fail the first few.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _count;

    public sealed record Delivery(string? Signature, string? EventId, string? EventType, byte[] Body, int AnsweredWith);

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();
    public Uri Url { get; }

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<WebhookReceiver> StartAsync(int failFirst)
    {
        var url = new Uri($"http://127.0.0.1:{FreePorts.Next()}/hooks");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url.GetLeftPart(UriPartial.Authority));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, url);
        app.MapPost("/hooks", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var status = Interlocked.Increment(ref receiver._count) <= failFirst ? 500 : 200;
            receiver.Deliveries.Enqueue(new Delivery(context.Request.Headers[WebhookSignature.HeaderName], context.Request.Headers["Vbi-Event-Id"],
                context.Request.Headers["Vbi-Event-Type"], body.ToArray(), status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>
/// A partner (a shop) acting for a customer who linked it: its requests are signed with its secret, it runs the whole
/// client protocol for the customer's meter, and its webhook receiver gets the PVD, print and refund events, signed,
/// with a failed first delivery retried and both attempts in the delivery log. Replayed, stale, forged and unlinked
/// partner requests are refused and change nothing.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class PartnerJourneyTests(CustomerHostFixture host)
{
    private static byte[] Secret(string base64Url) =>
        Convert.FromBase64String(base64Url.Replace('-', '+').Replace('_', '/').PadRight((base64Url.Length + 3) / 4 * 4, '='));

    private async Task<(int Status, string Code)> SignedAsync(HttpMethod method, string pathAndQuery, string? json, string partnerId, byte[] secret,
        long? timestamp = null, string? nonce = null, string? onBehalfOf = null, string? sentJson = null)
    {
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        var authorization = PartnerRequestSignature.CreateAuthorization(partnerId, secret, method.Method, pathAndQuery, body,
            timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(), nonce ?? PartnerRequestSignature.NewNonce());
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var request = new HttpRequestMessage(method, pathAndQuery);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (onBehalfOf is not null) request.Headers.Add("Vbi-On-Behalf-Of", onBehalfOf);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(sentJson is null ? body : Encoding.UTF8.GetBytes(sentJson));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("Idempotency-Key", VbiClient.NewIdempotencyKey());
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var code = text.StartsWith('{') && JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var c) ? c.GetString()! : "";
        return ((int)response.StatusCode, code);
    }

    [Fact]
    public async Task A_partner_acts_for_a_linked_customer_and_receives_signed_retried_webhooks()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        var partnerId = "shop-" + Guid.NewGuid().ToString("N")[..8];
        var created = await host.Operator.CreatePartnerAsync(partnerId, "Corner shop", receiver.Url.ToString());
        var webhookSecret = Secret(created.WebhookSecret);

        using var anonymous = host.Client();
        var account = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
        using var customer = host.Client(account.Token);

        // Before the customer links it, the partner cannot act for the customer.
        using var early = host.Client(partner: new PartnerCredentials(partnerId, created.Secret) { OnBehalfOf = account.Customer.CustomerId });
        var notLinked = await Assert.ThrowsAsync<VbiApiException>(() => early.ListMetersAsync());
        Assert.Equal((403, VbiErrorCodes.PartnerNotLinked), (notLinked.Status, notLinked.Code));
        await customer.LinkPartnerAsync(partnerId);

        // The partner runs the client protocol for the customer: license, register, log in, fund, print, refund.
        using var shop = host.Client(partner: new PartnerCredentials(partnerId, created.Secret) { OnBehalfOf = account.Customer.CustomerId });
        var meter = await shop.LicenseMeterAsync("10001");
        var moduleKey = Convert.FromBase64String((await shop.GetModuleIdentityAsync()).PublicKey);
        var hmk = await shop.RegisterMeterAsync(meter.MeterId, CustomerHostFixture.Password, moduleKey);
        using var session = await shop.OpenMeterSessionAsync(meter.MeterId, hmk, CustomerHostFixture.Password);
        await session.FundAsync(20_000, "shop-order-1");
        var print = await session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"), new LabelOptions("zpl"));
        await session.RefundAsync(print.IndiciumId!);

        // Three events, each delivered and signed with the webhook secret; the first was refused once and retried.
        var delivered = await EventuallyAsync(() =>
        {
            var ok = receiver.Deliveries.Where(d => d.AnsweredWith == 200).ToList();
            return ok.Select(d => d.EventId).Distinct().Count() >= 3 ? ok : null;
        });
        Assert.Equal(["pvd.completed", "print.completed", "refund.completed"], delivered.Select(d => d.EventType));
        foreach (var d in receiver.Deliveries)
        {
            Assert.Equal(WebhookVerdict.Ok, WebhookSignature.Verify(d.Signature, webhookSecret, d.Body, DateTimeOffset.UtcNow));
            Assert.Equal(WebhookVerdict.BadSignature, WebhookSignature.Verify(d.Signature, Secret(created.Secret), d.Body, DateTimeOffset.UtcNow));
        }
        var printEvent = JsonDocument.Parse(delivered[1].Body).RootElement;
        Assert.Equal(print.IndiciumId, printEvent.GetProperty("data").GetProperty("indiciumId").GetString());
        Assert.Equal(meter.MeterId, printEvent.GetProperty("data").GetProperty("meterId").GetString());
        Assert.Equal($"partner:{partnerId}", printEvent.GetProperty("data").GetProperty("initiatedBy").GetString());
        var first = receiver.Deliveries.First();
        Assert.Equal(500, first.AnsweredWith);
        Assert.Equal(first.EventId, delivered[0].EventId);

        // The partner's delivery log shows the failed attempt and the retry that delivered it.
        using var own = host.Client(partner: new PartnerCredentials(partnerId, created.Secret));
        var log = await own.GetWebhookDeliveriesAsync();
        var firstEvent = log.Where(l => l.EventId == first.EventId).OrderBy(l => l.Attempt).ToList();
        Assert.Equal([(1, 500, false), (2, 200, true)], firstEvent.Select(l => (l.Attempt, l.Status, l.Delivered)));
        Assert.True(firstEvent[0].NextAttemptAt > firstEvent[0].At);
        Assert.Equal(3, log.Count(l => l.Delivered));

        // The customer sees who moved the money.
        await OperatorHttp.WaitForLogFeedAsync(host.BaseAddress);
        var history = await customer.GetHistoryAsync(meter.MeterId);
        Assert.All(history.Entries, e => Assert.Equal($"partner:{partnerId}", e.InitiatedBy));
        var audit = await host.Operator.GetOperatorAuditAsync();
        Assert.Contains(audit, e => e is { Method: "POST", Path: "/v1/operator/partners", Status: 201 });

        // Replayed, stale, forged, altered and unlinked partner requests: refused, nothing changes.
        var evidence = new Customer("", CustomerHostFixture.Password, account.Token, account.Customer.CustomerId, meter.MeterId, hmk, customer, session);
        var before = await host.EvidenceAsync(evidence);
        var secret = Secret(created.Secret);
        var nonce = PartnerRequestSignature.NewNonce();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal((200, ""), await SignedAsync(HttpMethod.Get, "/v1/partners/me", null, partnerId, secret, now, nonce));
        Assert.Equal((401, "RequestReplayed"), await SignedAsync(HttpMethod.Get, "/v1/partners/me", null, partnerId, secret, now, nonce));
        Assert.Equal((401, "RequestTimestampStale"), await SignedAsync(HttpMethod.Get, "/v1/partners/me", null, partnerId, secret, now - 600));
        Assert.Equal((401, "PartnerSignatureInvalid"), await SignedAsync(HttpMethod.Get, "/v1/partners/me", null, partnerId, Secret(created.WebhookSecret)));
        Assert.Equal((401, "PartnerSignatureInvalid"), await SignedAsync(HttpMethod.Get, "/v1/partners/me", null, "no-such-partner", secret));
        Assert.Equal((401, "PartnerSignatureInvalid"), await SignedAsync(HttpMethod.Post, $"/v1/meters/{meter.MeterId}/funds", "{\"request\":null}",
            partnerId, secret, onBehalfOf: account.Customer.CustomerId, sentJson: "{\"request\":{}} "));
        var stranger = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
        Assert.Equal((403, "PartnerNotLinked"), await SignedAsync(HttpMethod.Get, "/v1/meters", null, partnerId, secret, onBehalfOf: stranger.Customer.CustomerId));
        Assert.Equal((403, "Forbidden"), await SignedAsync(HttpMethod.Get, "/v1/meters", null, partnerId, secret)); // acting for nobody
        Assert.Equal(before, await host.EvidenceAsync(evidence));
    }

    /// <summary>
    /// A partner cannot point its webhooks into the deployment's network, whether it sets the URL itself (signed) or an
    /// operator creates it with one: 400 WebhookDestinationRefused, and the URL it had is kept. The test hosts allow
    /// 127.0.0.1 by name (Vbi:Webhooks:AllowedHosts), so the other loopback addresses are still refused (2130706434 is
    /// 127.0.0.2 written as one number, as URLs may write an IPv4 address).
    /// </summary>
    [Fact]
    public async Task A_webhook_URL_pointing_inward_is_refused_and_changes_nothing()
    {
        var partnerId = "inward-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var inward in new[] { "https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/hooks", "https://localhost/hooks" })
        {
            var refused = await Assert.ThrowsAsync<VbiApiException>(() => host.Operator.CreatePartnerAsync(partnerId, "Inward shop", inward));
            Assert.Equal((400, "WebhookDestinationRefused"), (refused.Status, refused.Code));
        }
        var created = await host.Operator.CreatePartnerAsync(partnerId, "Inward shop", "https://hooks.example.com/vbi");
        using var shop = host.Client(partner: new PartnerCredentials(partnerId, created.Secret));
        foreach (var inward in new[] { "https://127.0.0.2/hooks", "https://[::ffff:192.168.0.1]/hooks", "https://100.64.0.1/", "https://[fe80::1]/",
                     "https://postgres:5432/", "https://2130706434/" })
        {
            var refused = await Assert.ThrowsAsync<VbiApiException>(async () => Assert.Fail($"{inward} accepted as {(await shop.SetWebhookAsync(inward)).WebhookUrl}"));
            Assert.Equal((400, "WebhookDestinationRefused"), (refused.Status, refused.Code));
        }
        Assert.Equal("https://hooks.example.com/vbi", (await shop.GetPartnerAsync()).WebhookUrl);
        Assert.Equal("https://hooks2.example.com/vbi", (await shop.SetWebhookAsync("https://hooks2.example.com/vbi")).WebhookUrl);
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value) return value;
            await Task.Delay(100);
        }
        throw new TimeoutException("the webhooks did not arrive within 30 s");
    }
}
