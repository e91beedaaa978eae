using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>A customer with a card on file and a registered meter with an open meter session (through the SDK, over HTTP).</summary>
public sealed record Buyer(string CustomerId, string MeterId, string Token, VbiClient Client, MeterSession Session, string CardId) : IDisposable
{
    public void Dispose()
    {
        Session.Dispose();
        Client.Dispose();
    }
}

/// <summary>
/// What the commerce tests share: Cluster-profile hosts on a scratch database (PostgreSQL, SoftHSM2, Azurite) whose
/// payment provider is the real stripe-stateful-mock on loopback, under an API key of this world's own (the mock keeps
/// each key's objects apart), with the product's rule that a PVD needs a purchase, and purchases that mend themselves
/// within seconds (ReleaseAfter 25 s, longer than a host restart here; checked every second) so a test can watch it.
/// </summary>
public sealed class CommerceWorld
{
    public const string Password = "correct horse battery staple";
    public static readonly TimeSpan ReleaseAfter = TimeSpan.FromSeconds(25);

    private CommerceWorld(string database, string clusterId)
    {
        Database = database;
        ClusterId = clusterId;
    }

    public string Database { get; }
    public string ClusterId { get; }
    public string StripeKey { get; } = "sk_test_" + Guid.NewGuid().ToString("N");

    public static async Task<CommerceWorld> CreateAsync(string prefix)
    {
        var database = await LocalServices.CreateScratchDatabaseAsync(prefix);
        return new CommerceWorld(database, prefix.Replace('_', '-') + "-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>The environment of one host of this cluster (fresh silo ports each time), armed at <paramref name="killAt"/> if given.</summary>
    public Dictionary<string, string?> Environment(string? killAt = null, string? armedFile = null, string? stripeUrl = null)
    {
        var env = HostEnvironment.ScratchCluster(ClusterId, Database, poolTarget: 4);
        env[HostEnvironment.AcceptUnpaidPvds] = "false";
        env["Vbi__Payments__Stripe__ApiKey"] = StripeKey;
        if (stripeUrl is not null) env["Vbi__Payments__Stripe__BaseUrl"] = stripeUrl;
        env["Vbi__Purchases__ReleaseAfter"] = ReleaseAfter.ToString("c", CultureInfo.InvariantCulture);
        env["Vbi__Purchases__CheckPeriod"] = "00:00:01";
        env["Vbi__Api__RateLimit__Enabled"] = "false";
        env["Vbi__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        env["Vbi__LogFeed__KeepAliveInterval"] = "00:00:02";
        return env.ArmedAt(killAt, armedFile);
    }

    /// <summary>Signs up, adds a card from <paramref name="cardToken"/>, licenses and registers a meter, and logs in to it.</summary>
    public static async Task<Buyer> NewBuyerAsync(Uri host, string cardToken = "tok_visa")
    {
        using var anonymous = new VbiClient(new VbiClientOptions { BaseAddress = host, Timeout = TimeSpan.FromSeconds(60) });
        var account = await anonymous.SignUpAsync($"b{Guid.NewGuid():N}@example.com", Password);
        var client = Customer(host, account.Token);
        var card = await client.AddCardAsync(cardToken);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, Password, Convert.FromBase64String(identity.PublicKey));
        var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, Password);
        return new Buyer(account.Customer.CustomerId, meter.MeterId, account.Token, client, session, card.Id);
    }

    public static VbiClient Customer(Uri host, string token) =>
        new(new VbiClientOptions { BaseAddress = host, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>A charge as the payment provider (the mock, over its own HTTP API) has it.</summary>
    public async Task<JsonElement> ChargeAsync(string chargeId)
    {
        using var http = StripeHttp();
        var text = await http.GetStringAsync("v1/charges/" + Uri.EscapeDataString(chargeId));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The charges the provider holds for a customer of ours (by the metadata every charge carries), newest first.</summary>
    /// <remarks>The mock keeps one set of objects for every key, so the other tests' charges are there too.</remarks>
    public async Task<IReadOnlyList<JsonElement>> ChargesOfAsync(string customerId)
    {
        using var http = StripeHttp();
        var text = await http.GetStringAsync("v1/charges?limit=100");
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray()
            .Where(c => c.GetProperty("metadata").TryGetProperty("customer", out var owner) && owner.GetString() == customerId)
            .Select(e => e.Clone())];
    }

    private HttpClient StripeHttp()
    {
        var http = new HttpClient { BaseAddress = new Uri(LocalServices.Require("VBI_STRIPE_URL").TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(StripeKey + ":")));
        return http;
    }

    /// <summary>
    /// The books after a test's story: once the log feed has caught up, the trial balance balances (I7) and L1 holds for
    /// every customer (the postage-funds reconciliation names no difference), with <paramref name="heldMills"/> held
    /// for the customer.
    /// </summary>
    public static async Task AssertBooksAsync(Uri host, string customerId, long heldMills)
    {
        await OperatorHttp.WaitForLogFeedAsync(host);
        using var http = OperatorHttp.Client(host);
        var trial = await LedgerHostTests.GetAsync(http, "/v1/operator/ledger/trial-balance");
        Assert.True(trial.GetProperty("balances").GetBoolean(), "I7: the trial balance does not balance: " + trial);
        var reconciliation = await LedgerHostTests.GetAsync(http, "/v1/operator/reconciliation/postage-funds");
        Assert.True(reconciliation.GetProperty("reconciled").GetBoolean(), "L1: " + reconciliation);
        var row = reconciliation.GetProperty("customers").EnumerateArray().Single(r => r.GetProperty("customerId").GetString() == customerId);
        Assert.Equal((heldMills, heldMills, 0L), (row.GetProperty("postageFundsHeldMills").GetInt64(), row.GetProperty("sumOfDescendingMills").GetInt64(),
            row.GetProperty("differenceMills").GetInt64()));
    }

    /// <summary>
    /// Waits (bounded) until the purchase reaches <paramref name="status"/>, and answers it. A purchase whose authorization
    /// a crash interrupted is not shown (PurchaseNotFound) until its mending asked the provider again after the restart;
    /// that is waited for too, within the same bound.
    /// </summary>
    public static async Task<PurchaseInfo> WaitForPurchaseAsync(VbiClient client, string purchaseId, string status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            PurchaseInfo? purchase = null;
            try
            {
                purchase = await client.GetPurchaseAsync(purchaseId);
                if (purchase.Status == status) return purchase;
            }
            catch (VbiApiException e) when (e.Code == VbiErrorCodes.PurchaseNotFound && DateTime.UtcNow <= deadline)
            {
                // Not authorized yet: the write-ahead holds it until the provider's answer is known.
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"purchase {purchaseId} is {purchase?.Status ?? "not shown"}, not {status}, after {within.TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }
}
