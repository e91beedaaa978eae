using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>One Cluster-profile host whose payment provider is stripe-stateful-mock (a <see cref="CommerceWorld"/>), shared by the card-money tests.</summary>
public sealed class CardMoneyHostFixture : IAsyncLifetime
{
    public CommerceWorld World { get; private set; } = null!;
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        World = await CommerceWorld.CreateAsync("vbi_cards");
        Host = await HostEnvironment.StartAsync(FreePorts.Next(), World.Environment());
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Card money after the purchase, on the customer's path (docs/commerce.md, "Chargebacks"): postage bought over the
/// customer's signed HTTP path with a card whose charges its holder disputes (Stripe's <c>tok_createDispute</c> on the
/// real stripe-stateful-mock); the dispute sweep finds the dispute, posts the chargeback once however often it runs,
/// locks the account (the next purchase is refused with <c>AccountLocked</c>), reverses the purchase, and shows it in
/// customer care's view; an undisputed customer is left alone; the books balance and L1 holds.
/// </summary>
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2+stripe-mock")]
public sealed class CardMoneyTests(CardMoneyHostFixture fixture) : IClassFixture<CardMoneyHostFixture>
{
    [Fact]
    public async Task A_disputed_card_charge_is_charged_back_once_locks_the_account_and_reverses_its_purchase()
    {
        var host = fixture.Host.BaseAddress;
        using var disputer = await CommerceWorld.NewBuyerAsync(host, "tok_createDispute");
        using var honest = await CommerceWorld.NewBuyerAsync(host, "tok_visa");
        var funded = await disputer.Session.BuyAsync(20_000);
        await honest.Session.BuyAsync(7_500);
        Assert.Equal(20_000, funded.Meter.DescendingMills);
        var charge = Assert.Single(await fixture.World.ChargesOfAsync(disputer.CustomerId));
        var purchaseId = charge.GetProperty("metadata").GetProperty("purchase").GetString()!;
        await CommerceWorld.WaitForPurchaseAsync(disputer.Client, purchaseId, "Settled", TimeSpan.FromSeconds(20));
        var honestPurchase = Assert.Single(await fixture.World.ChargesOfAsync(honest.CustomerId)).GetProperty("metadata").GetProperty("purchase").GetString()!;
        await CommerceWorld.WaitForPurchaseAsync(honest.Client, honestPurchase, "Settled", TimeSpan.FromSeconds(20));
        var disputeId = (await fixture.World.ChargeAsync(charge.GetProperty("id").GetString()!)).GetProperty("dispute").GetString()!;
        Assert.StartsWith("dp_", disputeId);

        // The sweep finds the dispute; a second sweep finds nothing new and posts nothing again.
        using var op = OperatorHttp.Client(host);
        var first = await SweepAsync(op);
        var applied = Assert.Single(first.GetProperty("applied").EnumerateArray(), a => a.GetProperty("customerId").GetString() == disputer.CustomerId);
        Assert.Equal((disputeId, purchaseId, 20_000L), (applied.GetProperty("disputeId").GetString(), applied.GetProperty("reference").GetString(),
            applied.GetProperty("disputeMills").GetInt64()));
        var second = await SweepAsync(op);
        Assert.DoesNotContain(second.GetProperty("applied").EnumerateArray(), a => a.GetProperty("customerId").GetString() == disputer.CustomerId);

        // Posted once: DR chargebacks, CR card-clearing; in customer care's view of the customer's payments.
        var payments = await LedgerHostTests.GetAsync(op, $"/v1/operator/customers/{disputer.CustomerId}/payments");
        var chargeback = Assert.Single(payments.GetProperty("entries").EnumerateArray(), e => e.GetProperty("kind").GetString() == "chargeback");
        Assert.Equal("chargeback:" + disputeId, chargeback.GetProperty("id").GetString());
        var postings = chargeback.GetProperty("postings").EnumerateArray()
            .Select(p => (p.GetProperty("account").GetString(), p.GetProperty("debitMills").GetInt64(), p.GetProperty("creditMills").GetInt64())).ToList();
        Assert.Equal([("chargebacks", 20_000L, 0L), ("card-clearing", 0L, 20_000L)], postings);
        var listed = Assert.Single((await LedgerHostTests.GetAsync(op, $"/v1/operator/customers/{disputer.CustomerId}/chargebacks")).EnumerateArray());
        Assert.True(listed.GetProperty("applied").GetBoolean());
        Assert.Equal("fraudulent", listed.GetProperty("reason").GetString());

        // The purchase is reversed; the account is locked for new postage with the dispute as the lock's reference.
        Assert.Equal("Reversed", (await disputer.Client.GetPurchaseAsync(purchaseId)).Status);
        var me = await disputer.Client.GetMeAsync();
        Assert.True(me.Locked);
        var accountLock = Assert.Single(me.Locks!);
        Assert.Equal(("chargeback", disputeId), (accountLock.Reason, accountLock.Reference));
        var refused = await Assert.ThrowsAsync<VbiApiException>(() => disputer.Session.BuyAsync(1_000));
        Assert.Equal((403, VbiErrorCodes.AccountLocked), (refused.Status, refused.Code));
        Assert.Equal(20_000, (await disputer.Client.GetMeterAsync(disputer.MeterId)).DescendingMills);

        // The undisputed customer is untouched.
        Assert.False((await honest.Client.GetMeAsync()).Locked);
        Assert.Equal("Settled", (await honest.Client.GetPurchaseAsync(honestPurchase)).Status);
        Assert.Empty((await LedgerHostTests.GetAsync(op, $"/v1/operator/customers/{honest.CustomerId}/chargebacks")).EnumerateArray());

        // I7 and L1: the postage stays in the meter and is still held for the customer.
        await CommerceWorld.AssertBooksAsync(host, disputer.CustomerId, 20_000);
        await CommerceWorld.AssertBooksAsync(host, honest.CustomerId, 7_500);
    }

    [Fact]
    public async Task A_withdrawal_is_paid_back_to_the_customers_card_charges_newest_first_once_even_when_the_log_is_applied_again()
    {
        var host = fixture.Host.BaseAddress;
        using var buyer = await CommerceWorld.NewBuyerAsync(host, "tok_mastercard");
        await buyer.Session.BuyAsync(20_000);
        await buyer.Session.BuyAsync(15_000);
        await buyer.Session.PrintAsync(new PrintOrder(2_000, "94103", "FIRST-CLASS"));
        var charges = await fixture.World.ChargesOfAsync(buyer.CustomerId);
        Assert.Equal(2, charges.Count);
        foreach (var c in charges)
            await CommerceWorld.WaitForPurchaseAsync(buyer.Client, c.GetProperty("metadata").GetProperty("purchase").GetString()!, "Settled", TimeSpan.FromSeconds(20));
        var older = charges.Single(c => c.GetProperty("amount").GetInt64() == 2_000).GetProperty("id").GetString()!;
        var newer = charges.Single(c => c.GetProperty("amount").GetInt64() == 1_500).GetProperty("id").GetString()!;

        // The customer withdraws the meter's 33.000 over the signed path; the refund is paid from the log.
        var withdrawal = await buyer.Session.WithdrawAsync();
        Assert.Equal(0, withdrawal.Meter.DescendingMills);
        using var op = OperatorHttp.Client(host);
        var paid = await WaitForEntryAsync(op, buyer.CustomerId, "refund-paid", TimeSpan.FromSeconds(30));
        Assert.Equal($"refund-paid:{buyer.MeterId}:{withdrawal.Sequence}", paid.GetProperty("id").GetString());
        var postings = paid.GetProperty("postings").EnumerateArray()
            .Select(p => (p.GetProperty("account").GetString(), p.GetProperty("debitMills").GetInt64(), p.GetProperty("creditMills").GetInt64())).ToList();
        Assert.Equal([("refunds-payable:" + buyer.CustomerId, 33_000L, 0L), ("card-clearing", 0L, 33_000L)], postings);

        // Spread newest first, never more than a charge's unrefunded amount: the 15.00 charge in full, 18.00 of the 20.00 one.
        Assert.Equal(1_500, (await fixture.World.ChargeAsync(newer)).GetProperty("amount_refunded").GetInt64());
        Assert.Equal(1_800, (await fixture.World.ChargeAsync(older)).GetProperty("amount_refunded").GetInt64());
        await CommerceWorld.AssertBooksAsync(host, buyer.CustomerId, 0);
        // The customer sees it through the SDK.
        var payout = Assert.Single(await buyer.Client.ListRefundsAsync());
        Assert.Equal(("Paid", 33_000L, 33_000L), (payout.Status, payout.AmountMills, payout.PaidMills));
        Assert.Equal([("card", newer, 15_000L), ("card", older, 18_000L)], payout.Parts.Select(p => (p.Method, p.Reference, p.AmountMills)));
        Assert.All(payout.Parts, p => Assert.StartsWith("re_", p.PaidReference));

        // The whole log again through the refunds consumer: nothing is refunded or posted twice.
        var rewind = await op.PostAsync("/v1/operator/feed/refunds/rewind", null);
        Assert.True(rewind.IsSuccessStatusCode, await rewind.Content.ReadAsStringAsync());
        await OperatorHttp.WaitForLogFeedAsync(host);
        var entries = await LedgerHostTests.GetAsync(op, $"/v1/operator/ledger/entries?customer={buyer.CustomerId}&limit=1000");
        Assert.Single(entries.GetProperty("entries").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refund-paid");
        Assert.Equal(1_500, (await fixture.World.ChargeAsync(newer)).GetProperty("amount_refunded").GetInt64());
        Assert.Equal(1_800, (await fixture.World.ChargeAsync(older)).GetProperty("amount_refunded").GetInt64());
        Assert.Single(await buyer.Client.ListRefundsAsync());
        await CommerceWorld.AssertBooksAsync(host, buyer.CustomerId, 0);
    }

    [Fact]
    public async Task A_withdrawal_of_postage_bought_from_a_bank_account_is_paid_back_by_an_ACH_credit_in_the_days_file()
    {
        var host = fixture.Host.BaseAddress;
        using var anonymous = new VbiClient(new VbiClientOptions { BaseAddress = host, Timeout = TimeSpan.FromSeconds(60) });
        var account = await anonymous.SignUpAsync($"credit{Guid.NewGuid():N}@example.com", CommerceWorld.Password);
        var customerId = account.Customer.CustomerId;
        using var client = CommerceWorld.Customer(host, account.Token);
        var authorization = await client.GetAchAuthorizationAsync();
        var bank = await client.AddBankAccountAsync(new BankAccount("011000015", "44556677", "Carol Example"), authorization.Version);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, CommerceWorld.Password, Convert.FromBase64String(identity.PublicKey));
        using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, CommerceWorld.Password);
        await session.BuyAsync(25_000, bank.Id);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await client.ListAchDebitsAsync()).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the purchase's debit was not queued");
            await Task.Delay(200);
        }

        // Withdrawn over the signed path: paid back to the bank account by an ACH credit, posted once.
        var withdrawal = await session.WithdrawAsync();
        using var op = OperatorHttp.Client(host);
        var paid = await WaitForEntryAsync(op, customerId, "refund-paid", TimeSpan.FromSeconds(30));
        var postings = paid.GetProperty("postings").EnumerateArray()
            .Select(p => (p.GetProperty("account").GetString(), p.GetProperty("debitMills").GetInt64(), p.GetProperty("creditMills").GetInt64())).ToList();
        Assert.Equal([("refunds-payable:" + customerId, 25_000L, 0L), ("ach-clearing", 0L, 25_000L)], postings);
        var payout = Assert.Single(await client.ListRefundsAsync());
        var part = Assert.Single(payout.Parts);
        Assert.Equal(("Paid", "ach", bank.Id, 25_000L), (payout.Status, part.Method, part.Reference, part.AmountMills));
        var credit = Assert.Single(await client.ListAchDebitsAsync(), d => d.Direction == "Credit");
        Assert.Equal(($"refund-paid:{meter.MeterId}:{withdrawal.Sequence}", part.PaidReference, "Queued", 25_000L),
            (credit.PurchaseId, credit.TraceNumber, credit.Status, credit.AmountMills));
        await CommerceWorld.AssertBooksAsync(host, customerId, 0);

        // The day's file carries the purchase's debit (27) and the refund's credit (22), read by an independent parser.
        var date = DateOnly.FromDateTime(DateTime.UtcNow);
        var run = await op.PostAsync($"/v1/operator/ach/files?date={date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", null);
        var body = await run.JsonAsync();
        Assert.True(run.IsSuccessStatusCode, body.ToString());
        var archive = new BlobArchiveStore(new BlobContainerClient(LocalServices.ArchiveConnectionString, HostEnvironment.ContainerName(fixture.World.ClusterId)));
        var parsed = await NodeNacha.ParseAsync((await archive.GetAsync(body.GetProperty("file").GetProperty("archiveName").GetString()!))!);
        var entries = parsed.GetProperty("batches").EnumerateArray()
            .SelectMany(b => b.GetProperty("entries").EnumerateArray().Select(e => (Service: b.GetProperty("serviceClassCode").GetInt32(),
                Code: e.GetProperty("transactionCode").GetString(), Amount: e.GetProperty("amount").GetInt64(), Trace: e.GetProperty("traceNumber").GetString())))
            .ToList();
        Assert.Contains((220, "22", 2_500L, credit.TraceNumber), entries);
        Assert.Contains(entries, e => e is { Service: 225, Code: "27", Amount: 2_500 });
        Assert.Equal("Sent", Assert.Single(await client.ListAchDebitsAsync(), d => d.Direction == "Credit").Status);
        await CommerceWorld.AssertBooksAsync(host, customerId, 0);
    }

    private static async Task<JsonElement> WaitForEntryAsync(HttpClient op, string customerId, string kind, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var entries = await LedgerHostTests.GetAsync(op, $"/v1/operator/ledger/entries?customer={customerId}&limit=1000");
            var found = entries.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == kind).ToList();
            if (found.Count > 0) return Assert.Single(found);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {kind} entry for {customerId} after {within.TotalSeconds:0} s: {entries}");
            await Task.Delay(200);
        }
    }

    private static async Task<JsonElement> SweepAsync(HttpClient op)
    {
        var response = await op.PostAsync("/v1/operator/chargebacks/sweep", null);
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }
}
