using System.Globalization;
using VbiOrleans.Client;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Feed;

/// <summary>A customer who linked the partner, with a funded meter and an open meter session (through the SDK, over HTTP).</summary>
public sealed record Shopper(string CustomerId, string MeterId, byte[] Hmk, string Token, Uri Host, VbiClient Client, MeterSession Session);

/// <summary>
/// What the log feed tests share: Cluster-profile hosts on a scratch database (PostgreSQL, SoftHSM2, Azurite), a partner
/// whose webhook receiver listens on loopback, customers who linked it, and the check that everything downstream of
/// the log happened once: every logged PVD, print and refund is in the history exactly once and reached the partner
/// exactly once (by event id; a delivery repeated at the transport is fine), in order per meter.
/// </summary>
public sealed class FeedWorld
{
    public const string Password = "correct horse battery staple";

    private FeedWorld(string database, string clusterId)
    {
        Database = database;
        ClusterId = clusterId;
    }

    public string Database { get; }
    public string ClusterId { get; }
    public string PartnerId { get; } = "shop-" + Guid.NewGuid().ToString("N")[..8];
    public WebhookReceiver Receiver { get; private set; } = null!;

    public static async Task<FeedWorld> CreateAsync(string prefix)
    {
        var database = await LocalServices.CreateScratchDatabaseAsync(prefix);
        var world = new FeedWorld(database, prefix.Replace('_', '-') + "-" + Guid.NewGuid().ToString("N")[..8]);
        world.Receiver = await WebhookReceiver.StartAsync(failFirst: 0);
        return world;
    }

    /// <summary>The environment of one host of this cluster (fresh silo ports each time), armed at <paramref name="killAt"/> if given.</summary>
    public Dictionary<string, string?> Environment(string? killAt = null, string? armedFile = null)
    {
        var env = HostEnvironment.ScratchCluster(ClusterId, Database, poolTarget: 4);
        env["Vbi__Api__AllowHttpWebhooks"] = "true";
        env["Vbi__Api__RateLimit__Enabled"] = "false";
        env["Vbi__Webhooks__BaseDelay"] = "00:00:00.300";
        env["Vbi__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        env["Vbi__LogFeed__KeepAliveInterval"] = "00:00:02";
        env["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        env["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        return env.ArmedAt(killAt, armedFile);
    }

    public async Task CreatePartnerAsync(Uri baseAddress)
    {
        using var operatorClient = new VbiClient(new VbiClientOptions
        {
            BaseAddress = baseAddress, OperatorName = HostEnvironment.OperatorName, OperatorKey = HostEnvironment.OperatorKey,
        });
        await operatorClient.CreatePartnerAsync(PartnerId, "Feed shop", Receiver.Url.ToString());
    }

    public static VbiClient Client(Uri baseAddress, string? token = null) =>
        new(new VbiClientOptions { BaseAddress = baseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(30) });

    /// <summary>Signs up, links the partner, licenses a meter, registers, logs in and funds it.</summary>
    public async Task<Shopper> NewShopperAsync(Uri baseAddress, long fundMills)
    {
        using var anonymous = Client(baseAddress);
        var account = await anonymous.SignUpAsync($"c{Guid.NewGuid():N}@example.com", Password);
        var client = Client(baseAddress, account.Token);
        await client.LinkPartnerAsync(PartnerId);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, Password, Convert.FromBase64String(identity.PublicKey));
        var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, Password);
        await session.FundAsync(fundMills, "feed-payment-" + Guid.NewGuid().ToString("N"));
        return new Shopper(account.Customer.CustomerId, meter.MeterId, hmk, account.Token, baseAddress, client, session);
    }

    /// <summary>The meter's logged PVDs, prints, refunds and withdrawals, in log order: (sequence, AR, DR).</summary>
    public async Task<List<(long Sequence, long Ascending, long Descending)>> LoggedAsync(string meterId) =>
        [.. (await LocalServices.RowsAsync(Database,
                "SELECT meter_sequence, ar_mills, dr_mills FROM vbi_log WHERE meter_id = @m AND kind BETWEEN 1 AND 4 ORDER BY id", ("m", meterId)))
            .Select(r => ((long)r[0]!, (long)r[1]!, (long)r[2]!))];

    /// <summary>The meter's whole history, page after page, newest first.</summary>
    public static async Task<List<HistoryEntry>> HistoryAsync(Shopper shopper)
    {
        var entries = new List<HistoryEntry>();
        long? before = null;
        do
        {
            var page = await shopper.Client.GetHistoryAsync(shopper.MeterId, 200, before);
            entries.AddRange(page.Entries);
            before = page.NextBefore;
        }
        while (before is not null);
        return entries;
    }

    /// <summary>Every logged transaction once in the history (with its registers) and once at the partner, in order per meter.</summary>
    public async Task AssertDownstreamOnceAsync(Uri baseAddress, IReadOnlyList<Shopper> shoppers)
    {
        await OperatorHttp.WaitForLogFeedAsync(baseAddress, TimeSpan.FromSeconds(120));
        var expected = new List<string>();
        foreach (var shopper in shoppers)
        {
            var logged = await LoggedAsync(shopper.MeterId);
            Assert.True(logged.Count > 1, $"meter {shopper.MeterId} logged only {logged.Count} transactions");
            Assert.Equal(logged.Count, logged.Select(l => l.Sequence).Distinct().Count());
            var history = await HistoryAsync(shopper);
            // Exactly once: the same sequences, none missing, none twice, and each with the registers the log has.
            Assert.Equal(logged.Select(l => l.Sequence).Order(), history.Select(e => e.Sequence).Order());
            foreach (var (sequence, ascending, descending) in logged)
            {
                var entry = history.Single(e => e.Sequence == sequence);
                Assert.Equal((ascending, descending), (entry.AscendingMills, entry.DescendingMills));
            }
            expected.AddRange(logged.Select(l => $"evt_{shopper.MeterId}_{l.Sequence}"));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<WebhookReceiver.Delivery> delivered;
        while (true)
        {
            delivered = [.. Receiver.Deliveries.Where(d => d.AnsweredWith == 200)];
            if (expected.All(id => delivered.Any(d => d.EventId == id))) break;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"webhooks missing after 60 s: {string.Join(", ", expected.Where(id => delivered.All(d => d.EventId != id)).Take(20))}");
            await Task.Delay(200);
        }
        // Nothing beyond the logged transactions: a transaction that took effect twice would show as a second event id.
        Assert.Equal(expected.Order(StringComparer.Ordinal), delivered.Select(d => d.EventId!).Distinct().Order(StringComparer.Ordinal));
        foreach (var shopper in shoppers)
        {
            var prefix = $"evt_{shopper.MeterId}_";
            var order = delivered.Select(d => d.EventId!).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Distinct()
                .Select(id => long.Parse(id[prefix.Length..], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(order.Order(), order); // per meter, first deliveries in sequence order
        }
        await AssertLedgerOnceAsync(baseAddress, shoppers);
    }

    /// <summary>
    /// The ledger after the same storm or crash: every logged PVD, print, refund and withdrawal of value posted exactly
    /// once (its entry id is {kind}:{meter}:{sequence}), the trial balance balancing (I7), and L1 holding for every customer.
    /// </summary>
    public async Task AssertLedgerOnceAsync(Uri baseAddress, IReadOnlyList<Shopper> shoppers)
    {
        foreach (var shopper in shoppers)
        {
            var logged = (await LocalServices.RowsAsync(Database,
                    "SELECT meter_sequence FROM vbi_log WHERE meter_id = @m AND kind BETWEEN 1 AND 4 AND amount_mills > 0 ORDER BY id", ("m", shopper.MeterId)))
                .Select(r => (long)r[0]!).ToList();
            var posted = (await LocalServices.RowsAsync(Database, "SELECT id FROM vbi_ledger_entry WHERE meter_id = @m", ("m", shopper.MeterId)))
                .Select(r => long.Parse(((string)r[0]!).Split(':')[^1], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(logged.Order(), posted.Order());
        }
        using var http = OperatorHttp.Client(baseAddress);
        var trial = await (await http.GetAsync("/v1/operator/ledger/trial-balance")).JsonAsync();
        Assert.True(trial.GetProperty("balances").GetBoolean(), "I7: " + trial);
        var funds = await (await http.GetAsync("/v1/operator/reconciliation/postage-funds")).JsonAsync();
        Assert.True(funds.GetProperty("reconciled").GetBoolean(), "L1: " + funds);
    }
}
