using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Client;
using VbiOrleans.Testing;

namespace VbiOrleans.Export.Tests;

[CollectionDefinition(Name)]
public sealed class ExportCollection : ICollectionFixture<ExportHostFixture>
{
    public const string Name = "Export: one Cluster-profile host process on PostgreSQL and SoftHSM2, customers who fund and print over HTTP";
}

/// <summary>What a customer of the fixture did, as the test knows it, with the secrets it used.</summary>
public sealed record SeededCustomer(string CustomerId, string Email, string AccountPassword, string MeterPassword, string MeterId, byte[] Hmk,
    string PaymentReference, long FundedMills, IReadOnlyList<long> PrintedMills, long RefundedMills, string? TrackingNumber);

/// <summary>
/// One real host process in the Cluster profile on a scratch database (PostgreSQL for every store and the log, the
/// SoftHSM2 token as the HSM, Azurite for the archive), where customers sign up, register a meter, fund it with a
/// payment reference that looks like a card number or a bank account number, print (one with a shipment, so with a
/// tracking number) and refund, all through the SDK over loopback HTTP. The tests then export the day.
/// </summary>
public sealed class ExportHostFixture : IAsyncLifetime
{
    public const string OperatorName = "test-operator";
    public static readonly string OperatorKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    // Payment references that carry what must never reach the export: a card number and a bank account number.
    public const string CardNumber = "4111111111111111";
    public const string BankAccountNumber = "000123456789012";

    public HostProcess Host { get; private set; } = null!;
    public string Database { get; private set; } = null!;
    public string ClusterId { get; } = "exp-" + Guid.NewGuid().ToString("N")[..8];
    public IReadOnlyList<SeededCustomer> Customers { get; private set; } = [];

    /// <summary>The UTC day the customers' transactions were made on.</summary>
    public DateOnly Day { get; private set; }

    public async Task InitializeAsync()
    {
        Database = await LocalServices.CreateScratchDatabaseAsync("vbi_exp");
        var store = LocalServices.ConnectionString(Database);
        var env = new Dictionary<string, string?>
        {
            ["Vbi__Profile"] = "Cluster",
            ["Vbi__Cluster__ClusterId"] = ClusterId,
            ["Vbi__Cluster__ServiceId"] = ClusterId,
            ["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(),
            ["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(),
            ["Vbi__Operators__0__Name"] = OperatorName,
            ["Vbi__Operators__0__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OperatorKey))),
            ["ConnectionStrings__archive"] = LocalServices.ArchiveConnectionString,
            ["Vbi__Archive__Container"] = "vbi-" + ClusterId,
            ["Vbi__Hsm__Kind"] = "Pkcs11",
            ["Vbi__Hsm__Pkcs11__ModulePath"] = LocalServices.Require("VBI_SOFTHSM_MODULE"),
            ["Vbi__Hsm__Pkcs11__TokenLabel"] = LocalServices.Require("VBI_SOFTHSM_TOKEN"),
            ["Vbi__Hsm__Pkcs11__PinFile"] = LocalServices.Require("VBI_SOFTHSM_PIN_FILE"),
            ["SOFTHSM2_CONF"] = LocalServices.Require("SOFTHSM2_CONF"),
            // Meters are funded with a free-form payment reference (no purchase), as the test-mode provider allows.
            ["Vbi__Purchases__AcceptUnpaidPvds"] = "true",
            ["Vbi__Payments__Provider"] = "test-mode",
            ["Vbi__Provider__Licensing__ApproveAtOnce"] = "true",
            ["Vbi__Database__InitializeOnStart"] = "true",
            ["Vbi__Module__PasswordIterations"] = "20000",
            ["Vbi__Api__AccountPasswordIterations"] = "20000",
            ["Vbi__Module__PoolTarget"] = "4",
        };
        foreach (var name in new[] { "postal", "module", "commerce", "membership" }) env[$"ConnectionStrings__{name}"] = store;
        Host = HostProcess.Start(env);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        try
        {
            Customers = [await SeedAsync(CardNumber, 150_000, [780, 1_230, 5_000], withShipment: true), await SeedAsync(BankAccountNumber, 90_500, [550], withShipment: false)];
        }
        catch (VbiApiException e)
        {
            throw new InvalidOperationException($"{e.Message}\n--- host ---\n{Host.Transcript()}", e);
        }
        Day = DateOnly.FromDateTime(DateTime.UtcNow);
    }

    public VbiClient Client(string? token = null) =>
        new(new VbiClientOptions { BaseAddress = Host.BaseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60) });

    public ExportOptions Options(string? folder = null, string? container = null) => new()
    {
        Server = Host.BaseAddress,
        OperatorName = OperatorName,
        OperatorKey = OperatorKey,
        Folder = folder,
        StorageConnectionString = container is null ? null : LocalServices.ArchiveConnectionString,
        Container = container ?? Sinks.BlobExportSink.DefaultContainer,
        PageSize = 3, // small pages, so paging is exercised with a handful of records
    };

    /// <summary>Signs up, licenses and registers a meter with its own password, funds it, prints, and refunds the first print.</summary>
    private async Task<SeededCustomer> SeedAsync(string paymentReference, long fundMills, long[] prints, bool withShipment)
    {
        var email = $"c{Guid.NewGuid():N}@example.com";
        var accountPassword = "account-secret-" + Guid.NewGuid().ToString("N");
        var meterPassword = "meter-secret-" + Guid.NewGuid().ToString("N");
        using var anonymous = Client();
        var account = await anonymous.SignUpAsync(email, accountPassword);
        using var client = Client(account.Token);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, meterPassword, Convert.FromBase64String(identity.PublicKey));
        using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, meterPassword);
        await session.FundAsync(fundMills, paymentReference);
        var issued = new List<string>();
        foreach (var postage in prints) issued.Add((await session.PrintAsync(new PrintOrder(postage, "94103-1234", "FIRST-CLASS"))).IndiciumId!);
        string? tracking = null;
        var printed = prints.ToList();
        if (withShipment)
        {
            var from = ShipmentAddress.FromCandidate((await client.MatchAddressAsync("Acme Shop, 350 5th Ave, New York NY 10001")).Candidates[0].Address);
            var to = ShipmentAddress.FromCandidate((await client.MatchAddressAsync("Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102")).Candidates[0].Address);
            var rate = (await client.GetRatesAsync(new RateRequest("10001", "94102", "16", MailClass: "PRIORITY"))).Quotes[0].PostageMills;
            var print = await session.PrintAsync(new PrintOrder(rate, "94102", "PRIORITY") { Shipment = new Shipment(from, to, 160, [1000, 800, 400]) });
            tracking = print.TrackingNumber;
            printed.Add(rate);
        }
        await session.RefundAsync(issued[0]);
        return new SeededCustomer(account.Customer.CustomerId, email, accountPassword, meterPassword, meter.MeterId, hmk, paymentReference, fundMills,
            printed, prints[0], tracking);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
