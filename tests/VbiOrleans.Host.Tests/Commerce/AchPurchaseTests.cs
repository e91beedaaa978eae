using System.Globalization;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// Postage bought from a bank account, on the customer's path: the purchase, the signed PVD, the ACH debit queued
/// once the PVD is durable, the day's NACHA file, then a return (R01) after the PVD: the purchase is reversed, the
/// ledger moves the money to what the customer owes, the account is locked for new postage (39 CFR 501.16), the
/// postage already bought stays in the meter, and the books still balance and reconcile.
/// </summary>
public sealed class AchPurchaseTests(AchHostFixture fixture) : IClassFixture<AchHostFixture>
{
    [Fact]
    public async Task A_bank_account_purchase_is_debited_in_the_days_file_and_a_return_after_its_PVD_reverses_it_and_locks_the_account()
    {
        using var anonymous = new VbiClient(new VbiClientOptions { BaseAddress = fixture.Host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) });
        var account = await anonymous.SignUpAsync($"ach{Guid.NewGuid():N}@example.com", CommerceWorld.Password);
        using var client = CommerceWorld.Customer(fixture.Host.BaseAddress, account.Token);
        var authorization = await client.GetAchAuthorizationAsync();
        var bank = await client.AddBankAccountAsync(new BankAccount("011000015", "44556677", "Carol Example"), authorization.Version);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, CommerceWorld.Password, Convert.FromBase64String(identity.PublicKey));
        using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, CommerceWorld.Password);

        var funded = await session.BuyAsync(25_000, bank.Id);
        Assert.Equal(25_000, funded.Meter.DescendingMills);
        // The debit is queued from the log feed once the PVD is durable (a moment after the answer).
        var debit = await WaitAsync(async () => (await client.ListAchDebitsAsync()).SingleOrDefault(), TimeSpan.FromSeconds(20));
        Assert.Equal((25_000L, bank.Id, "Queued"), (debit.AmountMills, debit.PaymentMethodId, debit.Status));
        var purchase = await client.GetPurchaseAsync(debit.PurchaseId);
        Assert.Equal(("Settled", "bankAccount", funded.Sequence), (purchase.Status, purchase.MethodKind, purchase.PvdSequence!.Value));

        using var op = fixture.Operator();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var run = await op.PostAsync($"/v1/operator/ach/files?date={today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", null);
        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        Assert.Equal("Sent", (await client.ListAchDebitsAsync()).Single().Status);

        // The customer's bank returns the debit: no account (R03).
        var returned = await AchFileTests.PostReturnsAsync(op,
            AchFileTests.ReturnFile(today, (debit.TraceNumber, "R03", "011000015", "44556677", 2_500, account.Customer.CustomerId)));
        var outcome = Assert.Single(returned.GetProperty("returns").EnumerateArray());
        Assert.Equal(("Applied", debit.PurchaseId), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("purchaseId").GetString()));
        Assert.Equal("Reversed", (await client.GetPurchaseAsync(debit.PurchaseId)).Status);
        Assert.Equal(("Returned", "R03"), ((await client.ListAchDebitsAsync()).Single().Status, (await client.ListAchDebitsAsync()).Single().ReturnCode));

        // Locked until paid: no new postage, by bank or by anything else; what was bought stays in the meter.
        Assert.True((await client.GetMeAsync()).Locked);
        var locked = await Assert.ThrowsAsync<VbiApiException>(() => session.BuyAsync(1_000, bank.Id));
        Assert.Equal((403, VbiErrorCodes.AccountLocked), (locked.Status, locked.Code));
        Assert.Equal(25_000, (await client.GetMeterAsync(meter.MeterId)).DescendingMills);
        await CommerceWorld.AssertBooksAsync(fixture.Host.BaseAddress, account.Customer.CustomerId, 25_000);
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> read, TimeSpan within) where T : class
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await read() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"nothing after {within.TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }
}
