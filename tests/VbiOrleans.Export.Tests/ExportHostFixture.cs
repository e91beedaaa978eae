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
/// <param name="FundedMills">Every PVD's amount: the one paid by a free-form reference and the purchase's.</param>
/// <param name="Purchase">The purchase paid by the customer's payment method (a card or a bank account), settled.</param>
public sealed record SeededCustomer(string CustomerId, string Email, string AccountPassword, string MeterPassword, string MeterId, byte[] Hmk,
    string PaymentReference, long FundedMills, IReadOnlyList<long> PrintedMills, long RefundedMills, string? TrackingNumber, string TaxId,
    PurchaseInfo Purchase, long WithdrawnMills);

/// <summary>
/// One real host process in the Cluster profile on a scratch database (PostgreSQL for every store and the log, the
/// SoftHSM2 token as the HSM, Azurite for the archive), where customers sign up, give a tax id, add a payment method
/// (a card from a token; a bank account), register a meter, fund it once with a payment reference that looks like a
/// card number or a bank account number and once by a purchase on their payment method, print (one with a shipment,
/// so with a tracking number) and refund, all through the SDK over loopback HTTP. The card customer is on the Starter
/// plan, so its prints bring label fees and its refund a fee refund (a credit); the bank customer withdraws its meter.
/// Last month's invoice of the card customer is issued and collected by card today. The tests then export the day.
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

    /// <summary>The card customer's invoice of last month, issued and collected today.</summary>
    public Invoice Invoice { get; private set; } = null!;

    /// <summary>The plan fee of last month the invoice bills (Business's monthly fee).</summary>
    public const long LastMonthsPlanFeeMills = 15_990;

    /// <summary>Starter's fee per label (no labels included).</summary>
    public const long LabelFeeMills = 250;

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
        _environment = env;
        Host = HostProcess.Start(env);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        try
        {
            Customers = [await SeedAsync(CardNumber, 150_000, [780, 1_230, 5_000], withShipment: true, byCard: true),
                await SeedAsync(BankAccountNumber, 90_500, [550], withShipment: false, byCard: false)];
            Invoice = await IssueLastMonthsInvoiceAsync(Customers[0]);
            await WaitForCommerceAsync();
        }
        catch (VbiApiException e)
        {
            throw new InvalidOperationException($"{e.Message}\n--- host ---\n{Host.Transcript()}", e);
        }
        Day = DateOnly.FromDateTime(DateTime.UtcNow);
    }

    private Dictionary<string, string?> _environment = null!;

    /// <summary>SIGKILLs the host and starts it again on the same databases: what it answers then comes from durable data only.</summary>
    public async Task RestartHardAsync()
    {
        Host.KillHard();
        await Host.DisposeAsync();
        _environment["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString();
        _environment["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString();
        Host = HostProcess.Start(_environment);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
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

    /// <summary>
    /// Signs up, gives a tax id, adds a card (and chooses Starter) or a bank account, licenses and registers a meter
    /// with its own password, funds it by the free-form reference and by a purchase, prints, refunds the first print,
    /// and for the bank customer withdraws the meter.
    /// </summary>
    private async Task<SeededCustomer> SeedAsync(string paymentReference, long fundMills, long[] prints, bool withShipment, bool byCard)
    {
        var email = $"c{Guid.NewGuid():N}@example.com";
        var accountPassword = "account-secret-" + Guid.NewGuid().ToString("N");
        var meterPassword = "meter-secret-" + Guid.NewGuid().ToString("N");
        using var anonymous = Client();
        var account = await anonymous.SignUpAsync(email, accountPassword);
        using var client = Client(account.Token);
        var digits = string.Concat(RandomNumberGenerator.GetItems<char>("0123456789", 9));
        var taxId = byCard ? $"{digits[..2]}-{digits[2..]}" : $"{digits[..3]}-{digits[3..5]}-{digits[5..]}";
        await client.SetTaxIdAsync(taxId);
        PaymentMethod method;
        if (byCard)
        {
            method = await client.AddCardAsync("tok_visa");
            await client.SetPlanAsync("starter");
        }
        else
        {
            var authorization = await client.GetAchAuthorizationAsync();
            method = await client.AddBankAccountAsync(new BankAccount("011000015", BankAccountNumber, "Bob Example"), authorization.Version);
        }
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, meterPassword, Convert.FromBase64String(identity.PublicKey));
        using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, meterPassword);
        await session.FundAsync(fundMills, paymentReference);
        var purchaseMills = byCard ? 40_000 : 25_000;
        var purchaseKey = VbiClient.NewIdempotencyKey();
        await session.BuyAsync(purchaseMills, method.Id, purchaseKey);
        var purchaseId = (await client.CreatePurchaseAsync(meter.MeterId, purchaseMills, purchaseKey, method.Id)).Id;
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
        var withdrawn = 0L;
        if (!byCard)
        {
            withdrawn = session.DescendingMills; // paid back by the withdrawal
            await session.WithdrawAsync();
        }
        var purchase = await WaitAsync(() => client.GetPurchaseAsync(purchaseId), p => p.Status == "Settled", "the purchase to settle");
        return new SeededCustomer(account.Customer.CustomerId, email, accountPassword, meterPassword, meter.MeterId, hmk, paymentReference,
            fundMills + purchaseMills, printed, prints[0], tracking, taxId, purchase, withdrawn);
    }

    /// <summary>
    /// Last month's invoice of the customer, issued and collected by card today by the operator's run. The host's clock
    /// cannot be moved back a month, so last month's plan fee is written into the ledger's tables as the plan grain
    /// posts it (an entry with its two postings); the fee refund of today's refunded label is applied as a credit.
    /// </summary>
    private async Task<Invoice> IssueLastMonthsInvoiceAsync(SeededCustomer customer)
    {
        var month = DateTime.UtcNow.AddMonths(-1);
        var name = month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        await LocalServices.ScalarAsync<int>(Database,
            "WITH e AS (INSERT INTO vbi_ledger_entry (id, kind, at, customer_id, memo) VALUES (@id, 'plan-fee', @at, @c, 'Business plan') RETURNING id) " +
            "INSERT INTO vbi_ledger_posting (entry_id, line, account, debit_mills, credit_mills) " +
            "SELECT e.id, v.line, v.account, v.debit, v.credit FROM e, (VALUES (1::smallint, @receivable, @fee, 0::bigint), (2::smallint, 'fee-revenue', 0::bigint, @fee)) " +
            "AS v(line, account, debit, credit) RETURNING 1",
            ("id", $"plan-fee:{customer.CustomerId}:{name}:0"), ("at", new DateTime(month.Year, month.Month, 2, 0, 0, 0, DateTimeKind.Utc)),
            ("c", customer.CustomerId), ("receivable", "fees-receivable:" + customer.CustomerId), ("fee", LastMonthsPlanFeeMills));
        using var operatorClient = new VbiClient(new VbiClientOptions
        {
            BaseAddress = Host.BaseAddress, OperatorName = OperatorName, OperatorKey = OperatorKey, Timeout = TimeSpan.FromSeconds(90),
        });
        var run = await WaitAsync(async () =>
        {
            try { return await operatorClient.RunInvoicesAsync(name); }
            catch (VbiApiException e) when (e.Message.Contains("FeesNotCaughtUp", StringComparison.Ordinal)) { return null; }
        }, r => r is not null, "the invoice run (the fees consumer to catch up)");
        return run!.Invoices.Single(i => i.CustomerId == customer.CustomerId);
    }

    /// <summary>The ledger has every PVD, print, refund and withdrawal of the log (the feed follows the log at its own pace).</summary>
    private async Task WaitForCommerceAsync() =>
        await WaitAsync(async () =>
            await LocalServices.ScalarAsync<long>(Database, "SELECT count(*) FROM vbi_log WHERE kind IN (1, 2, 3, 4)")
            - await LocalServices.ScalarAsync<long>(Database, "SELECT count(*) FROM vbi_ledger_entry WHERE kind IN ('pvd', 'print', 'refund', 'withdrawal')"),
            missing => missing == 0, "the ledger to post every PVD, print, refund and withdrawal");

    /// <summary>Polls until the condition holds, at most 60 seconds.</summary>
    private static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
