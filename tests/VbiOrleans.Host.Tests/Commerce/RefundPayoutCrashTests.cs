using VbiOrleans.Client;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Tests.Durability;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// A refund paid out survives a crash (docs/commerce.md, "Refunds paid out"): the host is killed (SIGKILL) just after
/// the payment provider (the real stripe-stateful-mock) refunded the withdrawal to the card and before the payout
/// recorded or posted it. After the restart the log feed hands the withdrawal over again, the payout asks again with
/// the same key, and the provider answers with the same refund: refunded once, posted once, L1 holds.
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2+stripe-mock")]
public sealed class RefundPayoutCrashTests
{
    [Fact]
    public async Task A_host_killed_after_the_card_refund_and_before_its_posting_refunds_once_and_posts_once()
    {
        var world = await CommerceWorld.CreateAsync("vbi_refund_kill");
        var armed = Path.Combine(Path.GetTempPath(), $"vbi-kill-{Guid.NewGuid():N}");
        var port = FreePorts.Next();
        HostProcess? host = await HostEnvironment.StartAsync(port, world.Environment(FaultPoints.RefundPaidOut, armed));
        try
        {
            using var buyer = await CommerceWorld.NewBuyerAsync(host.BaseAddress);
            await buyer.Session.BuyAsync(20_000);
            var charge = Assert.Single(await world.ChargesOfAsync(buyer.CustomerId));
            var chargeId = charge.GetProperty("id").GetString()!;
            await CommerceWorld.WaitForPurchaseAsync(buyer.Client, charge.GetProperty("metadata").GetProperty("purchase").GetString()!, "Settled", TimeSpan.FromSeconds(20));

            // The withdrawal is durable before its answer; the payout follows from the log and dies after the refund.
            await File.WriteAllTextAsync(armed, "refund");
            try
            {
                await buyer.Session.WithdrawAsync();
            }
            catch (VbiApiException e) when (e.IsTransportFailure || e.Status >= 500)
            {
                // The feed was quicker than the answer: the host died first. The withdrawal is in the log either way.
            }
            await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(host.HasExited && !File.Exists(armed), "the host did not die after the refund");
            Assert.Equal(2_000, (await world.ChargeAsync(chargeId)).GetProperty("amount_refunded").GetInt64());
            await host.DisposeAsync();

            host = await HostEnvironment.StartAsync(port, world.Environment());
            using var op = OperatorHttp.Client(host.BaseAddress);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                var entries = await LedgerHostTests.GetAsync(op, $"/v1/operator/ledger/entries?customer={buyer.CustomerId}&limit=1000");
                var paid = entries.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "refund-paid").ToList();
                if (paid.Count == 1) break;
                Assert.True(paid.Count == 0 && DateTime.UtcNow < deadline, $"refund-paid entries after the restart: {entries}");
                await Task.Delay(200);
            }
            using var client = CommerceWorld.Customer(host.BaseAddress, buyer.Token);
            var payout = Assert.Single(await client.ListRefundsAsync());
            Assert.Equal(("Paid", 20_000L), (payout.Status, payout.PaidMills));
            var refunds = (await world.ChargeAsync(chargeId)).GetProperty("refunds").GetProperty("data").EnumerateArray().ToList();
            Assert.Equal(refunds.Single().GetProperty("id").GetString(), Assert.Single(payout.Parts).PaidReference);
            Assert.Equal(2_000, (await world.ChargeAsync(chargeId)).GetProperty("amount_refunded").GetInt64());
            await CommerceWorld.AssertBooksAsync(host.BaseAddress, buyer.CustomerId, 0);
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
            File.Delete(armed);
        }
    }
}
