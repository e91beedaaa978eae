using VbiOrleans.Client;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Tests.Durability;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// Buying postage on the customer's path (docs/commerce.md, "Buying postage"): a card on file through the SDK, a purchase
/// authorized at the payment provider (the real stripe-stateful-mock over HTTP), the signed PVD that carries it, and the
/// capture once the PVD is durable; every refusal changes nothing; crashes (SIGKILL of the host) between authorization
/// and PVD and between PVD and capture are mended: nothing is charged without postage and no postage exists without
/// its payment.
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2+stripe-mock")]
public sealed class PurchaseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_purchase_pays_for_exactly_one_PVD_of_its_amount_on_its_meter_and_is_captured_once_the_PVD_is_durable()
    {
        var world = await CommerceWorld.CreateAsync("vbi_buy");
        await using var host = await HostEnvironment.StartAsync(FreePorts.Next(), world.Environment());
        using var buyer = await CommerceWorld.NewBuyerAsync(host.BaseAddress);
        using var other = await CommerceWorld.NewBuyerAsync(host.BaseAddress);

        // Bought: authorized, then the PVD, then captured from the log feed.
        var funded = await buyer.Session.BuyAsync(12_500);
        Assert.Equal(12_500, funded.Meter.DescendingMills);
        var charge = Assert.Single(await world.ChargesOfAsync(buyer.CustomerId));
        var purchaseId = charge.GetProperty("metadata").GetProperty("purchase").GetString()!;
        var settled = await CommerceWorld.WaitForPurchaseAsync(buyer.Client, purchaseId, "Settled", TimeSpan.FromSeconds(20));
        Assert.Equal(funded.Sequence, settled.PvdSequence);
        Assert.Equal(charge.GetProperty("id").GetString(), settled.ChargeId);
        charge = await world.ChargeAsync(settled.ChargeId!);
        Assert.True(charge.GetProperty("captured").GetBoolean(), "the charge of a durable PVD is captured");
        Assert.Equal(1250, charge.GetProperty("amount").GetInt64());

        // The same purchase for a second PVD, another amount, another meter's purchase, a made-up id, no purchase at all:
        // each refused before anything is executed, and the meter is as it was.
        await AssertRefusedAsync(VbiErrorCodes.PurchaseAlreadyUsed, () => buyer.Session.FundAsync(12_500, purchaseId));
        var second = await buyer.Client.CreatePurchaseAsync(buyer.MeterId, 5_000, VbiClient.NewIdempotencyKey());
        Assert.Equal("Authorized", second.Status);
        await AssertRefusedAsync(VbiErrorCodes.PurchaseAmountMismatch, () => buyer.Session.FundAsync(6_000, second.Id));
        var others = await other.Client.CreatePurchaseAsync(other.MeterId, 5_000, VbiClient.NewIdempotencyKey());
        await AssertRefusedAsync(VbiErrorCodes.PurchaseNotAuthorized, () => buyer.Session.FundAsync(5_000, others.Id));
        await AssertRefusedAsync(VbiErrorCodes.PurchaseNotAuthorized, () => buyer.Session.FundAsync(5_000, "pur_" + new string('a', 26)));
        await AssertRefusedAsync(VbiErrorCodes.PurchaseNotAuthorized, () => buyer.Session.FundAsync(5_000, "wire-transfer-42"));
        Assert.Equal(12_500, (await buyer.Client.GetMeterAsync(buyer.MeterId)).DescendingMills);
        // Another customer cannot even read the purchase.
        var notFound = await Assert.ThrowsAsync<VbiApiException>(() => other.Client.GetPurchaseAsync(second.Id));
        Assert.Equal(VbiErrorCodes.PurchaseNotFound, notFound.Code);

        // The refused attempts left the purchase free: its own PVD goes through.
        var topUp = await buyer.Session.FundAsync(5_000, second.Id);
        Assert.Equal(17_500, topUp.Meter.DescendingMills);
        await CommerceWorld.WaitForPurchaseAsync(buyer.Client, second.Id, "Settled", TimeSpan.FromSeconds(20));

        // One idempotency key, four concurrent calls: one purchase, one authorization at the provider.
        var key = VbiClient.NewIdempotencyKey();
        var same = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => buyer.Client.CreatePurchaseAsync(buyer.MeterId, 2_000, key)));
        Assert.Single(same.Select(p => p.Id).Distinct());
        Assert.Equal(1, (await world.ChargesOfAsync(buyer.CustomerId)).Count(c => c.GetProperty("metadata").GetProperty("purchase").GetString() == same[0].Id));
        // The same key for another amount is a reused key, not a second purchase.
        var reused = await Assert.ThrowsAsync<VbiApiException>(() => buyer.Client.CreatePurchaseAsync(buyer.MeterId, 3_000, key));
        Assert.Equal(VbiErrorCodes.IdempotencyKeyReused, reused.Code);
        await CommerceWorld.AssertBooksAsync(host.BaseAddress, buyer.CustomerId, 17_500);
        output.WriteLine($"purchases settled: {purchaseId}, {second.Id}; charges at the provider: {(await world.ChargesOfAsync(buyer.CustomerId)).Count}");
    }

    [Fact]
    public async Task An_authorization_no_PVD_uses_is_released_and_a_card_that_is_declined_or_a_provider_that_is_down_buys_nothing()
    {
        var world = await CommerceWorld.CreateAsync("vbi_release");
        var port = FreePorts.Next();
        await using (var host = await HostEnvironment.StartAsync(port, world.Environment()))
        {
            using var buyer = await CommerceWorld.NewBuyerAsync(host.BaseAddress);
            var idle = await buyer.Client.CreatePurchaseAsync(buyer.MeterId, 3_000, VbiClient.NewIdempotencyKey());
            var released = await CommerceWorld.WaitForPurchaseAsync(buyer.Client, idle.Id, "Released", CommerceWorld.ReleaseAfter + TimeSpan.FromSeconds(20));
            Assert.Null(released.SettledAt);
            var charge = await world.ChargeAsync(released.ChargeId!);
            Assert.Single(await world.ChargesOfAsync(buyer.CustomerId));
            Assert.False(charge.GetProperty("captured").GetBoolean());
            Assert.Equal(300, charge.GetProperty("amount_refunded").GetInt64());
            // Released means gone: the PVD that comes too late is refused and the meter stays empty.
            await AssertRefusedAsync(VbiErrorCodes.PurchaseNotAuthorized, () => buyer.Session.FundAsync(3_000, idle.Id));
            Assert.Equal(0, (await buyer.Client.GetMeterAsync(buyer.MeterId)).DescendingMills);
            await CommerceWorld.AssertBooksAsync(host.BaseAddress, buyer.CustomerId, 0);

            // A card the issuer declines (the provider refuses it as it is attached): 402, no card kept, nothing to buy with.
            using var anonymous = new VbiClient(new VbiClientOptions { BaseAddress = host.BaseAddress });
            var account = await anonymous.SignUpAsync($"x{Guid.NewGuid():N}@example.com", CommerceWorld.Password);
            using var declined = CommerceWorld.Customer(host.BaseAddress, account.Token);
            var refusal = await Assert.ThrowsAsync<VbiApiException>(() => declined.AddCardAsync("tok_chargeDeclined"));
            Assert.Equal((402, VbiErrorCodes.PaymentDeclined), (refusal.Status, refusal.Code));
            var poor = await Assert.ThrowsAsync<VbiApiException>(() => declined.AddCardAsync("tok_chargeDeclinedInsufficientFunds"));
            Assert.Equal((402, VbiErrorCodes.PaymentInsufficientFunds), (poor.Status, poor.Code));
            Assert.Empty(await declined.ListPaymentMethodsAsync());
            var meter = await declined.LicenseMeterAsync("10001");
            var nothing = await Assert.ThrowsAsync<VbiApiException>(() => declined.CreatePurchaseAsync(meter.MeterId, 2_000, VbiClient.NewIdempotencyKey()));
            Assert.Equal(VbiErrorCodes.PaymentMethodNotFound, nothing.Code);
        }

        // The payment provider unreachable (a closed loopback port): 503, nothing authorized, nothing funded; the host
        // back on the provider, the same request (same key) goes through with one charge.
        var closed = $"http://127.0.0.1:{FreePorts.Next()}";
        string token, meterId, customerId;
        var key = VbiClient.NewIdempotencyKey();
        await using (var host = await HostEnvironment.StartAsync(port, world.Environment(stripeUrl: closed)))
        {
            using var anonymous = new VbiClient(new VbiClientOptions { BaseAddress = host.BaseAddress });
            var account = await anonymous.SignUpAsync($"d{Guid.NewGuid():N}@example.com", CommerceWorld.Password);
            token = account.Token;
            customerId = account.Customer.CustomerId;
            using var client = CommerceWorld.Customer(host.BaseAddress, token);
            var down = await Assert.ThrowsAsync<VbiApiException>(() => client.AddCardAsync("tok_visa"));
            Assert.Equal(VbiErrorCodes.PaymentProviderUnavailable, down.Code);
            meterId = (await client.LicenseMeterAsync("10001")).MeterId;
        }
        await using (var host = await HostEnvironment.StartAsync(port, world.Environment()))
        {
            using var client = CommerceWorld.Customer(host.BaseAddress, token);
            await client.AddCardAsync("tok_visa");
            var first = await client.CreatePurchaseAsync(meterId, 4_000, key);
            var again = await client.CreatePurchaseAsync(meterId, 4_000, key);
            Assert.Equal(first.Id, again.Id);
            Assert.Equal(1, (await world.ChargesOfAsync(customerId)).Count(c => c.GetProperty("metadata").GetProperty("purchase").GetString() == first.Id));
        }
    }

    [Fact]
    public async Task A_host_killed_between_authorization_and_PVD_and_between_PVD_and_capture_charges_once_for_postage_that_exists()
    {
        var world = await CommerceWorld.CreateAsync("vbi_buy_kill");
        var armed = Path.Combine(Path.GetTempPath(), $"vbi-kill-{Guid.NewGuid():N}");
        var port = FreePorts.Next();
        HostProcess? host = await HostEnvironment.StartAsync(port, world.Environment(FaultPoints.PurchaseAuthorized, armed));
        try
        {
            using var buyer = await CommerceWorld.NewBuyerAsync(host.BaseAddress);

            // 1. Killed once the provider authorized, before the purchase recorded it: the client retries with its key
            //    and gets the same authorization (the provider's idempotency key is the purchase's).
            var key = VbiClient.NewIdempotencyKey();
            await File.WriteAllTextAsync(armed, "authorize");
            var lost = await Assert.ThrowsAsync<VbiApiException>(() => buyer.Client.CreatePurchaseAsync(buyer.MeterId, 10_000, key));
            Assert.True(lost.IsTransportFailure || lost.Status >= 500, $"the purchase was answered {lost.Status} {lost.Code}");
            await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(host.HasExited && !File.Exists(armed), "the host did not die at the authorization");
            await host.DisposeAsync();

            host = await HostEnvironment.StartAsync(port, world.Environment(FaultPoints.LogAppended, armed));
            var purchase = await buyer.Client.CreatePurchaseAsync(buyer.MeterId, 10_000, key);
            Assert.Equal("Authorized", purchase.Status);

            // 2. Killed after the PVD is in the log, before anything downstream: the feed captures it after the restart,
            //    and the client's retry of the same signed request answers the same transaction.
            var pvdKey = VbiClient.NewIdempotencyKey();
            await File.WriteAllTextAsync(armed, "pvd");
            var unanswered = await Assert.ThrowsAsync<VbiApiException>(() => buyer.Session.FundAsync(10_000, purchase.Id, pvdKey));
            Assert.True(unanswered.IsTransportFailure || unanswered.Status >= 500);
            await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(host.HasExited && !File.Exists(armed), "the host did not die after the log append");
            await host.DisposeAsync();

            host = await HostEnvironment.StartAsync(port, world.Environment(FaultPoints.PurchaseAuthorized, armed));
            var settled = await CommerceWorld.WaitForPurchaseAsync(buyer.Client, purchase.Id, "Settled", TimeSpan.FromSeconds(30));
            var retried = await buyer.Session.FundAsync(10_000, purchase.Id, pvdKey);
            Assert.Equal(settled.PvdSequence, retried.Sequence);
            Assert.Equal(10_000, retried.Meter.DescendingMills);

            // 3. Killed at the authorization of a purchase whose client never comes back: after the restart the purchase
            //    mends itself (asks the provider again with the same key, then releases what it holds; nothing charged).
            var abandonedKey = VbiClient.NewIdempotencyKey();
            await File.WriteAllTextAsync(armed, "authorize");
            await Assert.ThrowsAsync<VbiApiException>(() => buyer.Client.CreatePurchaseAsync(buyer.MeterId, 7_000, abandonedKey));
            await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(host.HasExited && !File.Exists(armed), "the host did not die at the second authorization");
            await host.DisposeAsync();
            host = await HostEnvironment.StartAsync(port, world.Environment());
            var abandonedId = Abstractions.Commerce.PurchaseIds.For(buyer.CustomerId, abandonedKey);
            await CommerceWorld.WaitForPurchaseAsync(buyer.Client, abandonedId, "Released", CommerceWorld.ReleaseAfter + TimeSpan.FromSeconds(30));

            // The provider's side: one charge per purchase; the one with postage captured, the abandoned one refunded
            // uncaptured.
            var charges = await world.ChargesOfAsync(buyer.CustomerId);
            Assert.Equal(2, charges.Count);
            var paid = charges.Single(c => c.GetProperty("metadata").GetProperty("purchase").GetString() == purchase.Id);
            Assert.True(paid.GetProperty("captured").GetBoolean());
            Assert.Equal(1000, paid.GetProperty("amount").GetInt64());
            var abandoned = charges.Single(c => c.GetProperty("metadata").GetProperty("purchase").GetString() == abandonedId);
            Assert.False(abandoned.GetProperty("captured").GetBoolean());
            Assert.Equal(700, abandoned.GetProperty("amount_refunded").GetInt64());
            await CommerceWorld.AssertBooksAsync(host.BaseAddress, buyer.CustomerId, 10_000);
            output.WriteLine($"paid {purchase.Id} at sequence {settled.PvdSequence}; abandoned {abandonedId} released");
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
        }
    }

    private static async Task AssertRefusedAsync(string code, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<VbiApiException>(call);
        Assert.Equal(code, e.Code);
    }
}
