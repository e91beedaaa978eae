using System.Diagnostics;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// The payment provider a host chooses, in Local-profile host processes (no services): the test-mode provider by
/// default, which says at start-up that no real money moves and takes cards with no service running; and Stripe at
/// an address where nothing listens, which a customer sees as <c>PaymentProviderUnavailable</c> within the bounded
/// time, with nothing kept.
/// </summary>
public sealed class PaymentProviderHostTests(PaymentProviderHosts hosts) : IClassFixture<PaymentProviderHosts>
{
    private static async Task<VbiClient> CustomerAsync(HostProcess host)
    {
        using var anonymous = new VbiClient(new VbiClientOptions { BaseAddress = host.BaseAddress });
        var account = await anonymous.SignUpAsync($"p{Guid.NewGuid():N}@example.com", "correct horse battery staple");
        return new VbiClient(new VbiClientOptions { BaseAddress = host.BaseAddress, CustomerToken = account.Token, Timeout = TimeSpan.FromSeconds(60) });
    }

    [Fact]
    public async Task The_local_profile_takes_test_cards_in_process_and_says_no_real_money_moves()
    {
        Assert.Contains(hosts.TestMode.Output, l => l.Contains("TestModePaymentProvider", StringComparison.Ordinal) && l.Contains("NO REAL MONEY MOVES", StringComparison.Ordinal));
        using var customer = await CustomerAsync(hosts.TestMode);
        var card = await customer.AddCardAsync("tok_visa");
        Assert.Equal(("Visa", "4242", true), (card.Brand, card.Last4, card.IsDefault));
        var declined = await Assert.ThrowsAsync<VbiApiException>(() => customer.AddCardAsync("tok_chargeDeclined"));
        Assert.Equal(VbiErrorCodes.PaymentDeclined, declined.Code);
    }

    [Fact]
    public async Task An_unreachable_provider_is_PaymentProviderUnavailable_within_the_bound_and_keeps_nothing()
    {
        Assert.DoesNotContain(hosts.Unreachable.Output.Concat(hosts.Unreachable.Errors), l => l.Contains(HostEnvironment.StripeTestApiKey, StringComparison.Ordinal));
        using var customer = await CustomerAsync(hosts.Unreachable);
        var watch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<VbiApiException>(() => customer.AddCardAsync("tok_visa", "unreachable-1"));
        watch.Stop();
        Assert.Equal((503, VbiErrorCodes.PaymentProviderUnavailable), (refused.Status, refused.Code));
        Assert.NotNull(refused.RetryAfter);
        // Three attempts of at most 2 s each and their waits; well within the 30 s a grain call may take.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Empty(await customer.ListPaymentMethodsAsync());
        // A bank account needs no provider call: it is kept while the card provider is down.
        var text = await customer.GetAchAuthorizationAsync();
        var bank = await customer.AddBankAccountAsync(new BankAccount("021000021", "123456789", "Ann Smith"), text.Version);
        Assert.Equal("6789", bank.Last4);
    }
}

/// <summary>Two Local-profile hosts for <see cref="PaymentProviderHostTests"/>: the default test-mode provider, and Stripe where nothing listens.</summary>
public sealed class PaymentProviderHosts : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "vbi-pay-hosts-" + Guid.NewGuid().ToString("N")[..8]);

    public HostProcess TestMode { get; private set; } = null!;
    public HostProcess Unreachable { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TestMode = HostProcess.Start(HostEnvironment.Local(Path.Combine(_data, "test-mode")));
        var env = HostEnvironment.Local(Path.Combine(_data, "unreachable"));
        env["Vbi__Payments__Provider"] = "stripe";
        env["Vbi__Payments__Stripe__BaseUrl"] = $"http://127.0.0.1:{FreePorts.Next()}";
        env["Vbi__Payments__Stripe__ApiKey"] = HostEnvironment.StripeTestApiKey;
        env["Vbi__Payments__Stripe__Timeout"] = "00:00:02";
        Unreachable = HostProcess.Start(env);
        await Task.WhenAll(TestMode.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)), Unreachable.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)));
    }

    public async Task DisposeAsync()
    {
        if (TestMode is not null) await TestMode.DisposeAsync();
        if (Unreachable is not null) await Unreachable.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The hosts never made it.
        }
    }
}
