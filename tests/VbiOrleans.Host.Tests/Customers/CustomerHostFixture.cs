using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Customers;

[CollectionDefinition(Name)]
public sealed class CustomerCollection : ICollectionFixture<CustomerHostFixture>
{
    public const string Name = "Customers: one Cluster-profile host process on PostgreSQL and SoftHSM2";
}

/// <summary>A customer with a registered meter and an open meter session (through the SDK, over real HTTP).</summary>
public sealed record Customer(string Email, string Password, string Token, string CustomerId, string MeterId, byte[] Hmk, VbiClient Client,
    MeterSession Session) : IDisposable
{
    public void Dispose()
    {
        Session.Dispose();
        Client.Dispose();
    }
}

/// <summary>
/// One real host process in the Cluster profile (PostgreSQL for every store, the SoftHSM2 token as the HSM) for all
/// the customer, partner and protocol tests, reached over loopback HTTP only. Password hashing is cheaper than in
/// production (20,000 PBKDF2 iterations) to keep the suite quick; everything else is as deployed.
/// </summary>
public sealed class CustomerHostFixture : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";

    public HostProcess Host { get; private set; } = null!;
    public Uri BaseAddress => Host.BaseAddress;
    public VbiClient Operator { get; private set; } = null!;
    public string ClusterId { get; } = "cust-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The scratch database every store of the host is in (for an Orleans client through its membership table).</summary>
    public string Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // A scratch database for every store: these tests neither see nor leave rows in the shared vbi_* databases.
        var database = Database = await LocalServices.CreateScratchDatabaseAsync("vbi_cust");
        var env = HostEnvironment.ScratchCluster(ClusterId, database, poolTarget: 6);
        env["Vbi__Api__AllowHttpWebhooks"] = "true";
        env["Vbi__Webhooks__BaseDelay"] = "00:00:00.300";
        Host = HostProcess.Start(env);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        Operator = new VbiClient(new VbiClientOptions
        {
            BaseAddress = BaseAddress, OperatorName = HostEnvironment.OperatorName, OperatorKey = HostEnvironment.OperatorKey,
        });
    }

    public VbiClient Client(string? token = null, PartnerCredentials? partner = null) =>
        new(new VbiClientOptions { BaseAddress = BaseAddress, CustomerToken = token, Partner = partner, Timeout = TimeSpan.FromSeconds(60) });

    public static string NewEmail() => $"c{Guid.NewGuid():N}@example.com";

    /// <summary>Signs up, licenses a meter at 10001, registers (pinning the module key), logs in and funds it.</summary>
    public async Task<Customer> NewCustomerAsync(long fundMills = 0)
    {
        try
        {
            return await CreateCustomerAsync(fundMills);
        }
        catch (VbiApiException e) when (e.Status >= 500)
        {
            throw new InvalidOperationException($"{e.Message}\n--- host ---\n{Host.Transcript()}", e);
        }
    }

    private async Task<Customer> CreateCustomerAsync(long fundMills)
    {
        var email = NewEmail();
        using var anonymous = Client();
        var account = await anonymous.SignUpAsync(email, Password);
        var client = Client(account.Token);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, Password, Convert.FromBase64String(identity.PublicKey));
        var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, Password);
        // Postage is bought as a customer buys it: a card on file (a test token at the payment provider's mock), then a
        // purchase and the signed PVD that carries it.
        await client.AddCardAsync("tok_visa");
        if (fundMills > 0) await session.BuyAsync(fundMills);
        return new Customer(email, Password, account.Token, account.Customer.CustomerId, meter.MeterId, hmk, client, session);
    }

    /// <summary>
    /// What "nothing changed" is checked against: the meter's audit (registers, sequence, the postal store's checkpoint
    /// and module memory) and the customer's history of it, once the history has caught up with the log.
    /// </summary>
    public async Task<string> EvidenceAsync(Customer customer)
    {
        var audit = await Operator.GetMeterAuditAsync(customer.MeterId);
        await OperatorHttp.WaitForLogFeedAsync(BaseAddress); // the history is a projection of the log, a moment behind it
        var history = await customer.Client.GetHistoryAsync(customer.MeterId, 200);
        return audit.GetRawText() + "\n" + JsonSerializer.Serialize(history, VbiJson.Options);
    }

    /// <summary>A raw POST (for requests the SDK would never send), with the customer's token.</summary>
    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, string json, string? token,
        string? idempotencyKey = null, string contentType = "application/json")
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        // A large body is announced (Expect: 100-continue), as a careful client does, so that a server refusing it by
        // its Content-Length answers before the upload; otherwise the refusal can meet the client mid-upload as a broken pipe.
        request.Headers.ExpectContinue = json.Length > 64 * 1024;
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, body, response);
    }

    public async Task DisposeAsync()
    {
        Operator?.Dispose();
        await Host.DisposeAsync();
    }
}
