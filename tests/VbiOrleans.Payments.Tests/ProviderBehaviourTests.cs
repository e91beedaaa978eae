using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VbiOrleans.Payments.Tests;

[Trait("Service", "stripe-stateful-mock")]
public sealed class StripeProviderFaultTests
{
    private static ChargeRequest Once(long mills) => new(null, "tok_visa", mills, "postage", new Dictionary<string, string>());

    [Fact]
    public async Task An_unreachable_provider_is_unavailable_within_the_timeout_and_its_retries()
    {
        // A loopback port nothing listens on: every connection is refused at once.
        var port = VbiOrleans.Testing.FreePorts.Next();
        var options = Providers.Options($"http://127.0.0.1:{port}", TimeSpan.FromSeconds(2), maxRetries: 2);
        using var provider = Providers.Stripe(options);
        var watch = Stopwatch.StartNew();
        var result = await provider.AuthorizeAsync(Once(10_000), "unreachable-" + Guid.NewGuid(), CancellationToken.None);
        Assert.Equal(PaymentError.Unavailable, result.Error);
        Assert.True(result.IsTransient);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_provider_that_accepts_and_never_answers_is_unavailable_after_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true) held.Add(await silent.AcceptTcpClientAsync());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped at the end of the test.
            }
        });
        var options = Providers.Options($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", TimeSpan.FromMilliseconds(600), maxRetries: 1);
        using var provider = Providers.Stripe(options);
        var watch = Stopwatch.StartNew();
        var result = await provider.CaptureAsync("ch_silent", "silent-" + Guid.NewGuid(), CancellationToken.None);
        watch.Stop();
        silent.Stop();
        await accepting;
        foreach (var client in held) client.Dispose();
        Assert.Equal(PaymentError.Unavailable, result.Error);
        // Two attempts of 0.6 s each and one wait between them; never the 100 s an unbounded client would wait.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(1_100), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_api_key_is_never_logged()
    {
        var logger = new RecordingLogger<StripePaymentProvider>();
        using var provider = Providers.Stripe(Providers.Options(), logger);
        var customer = await provider.CreateCustomerAsync("c-log", "payer@example.com", "log-" + Guid.NewGuid(), CancellationToken.None);
        Assert.True(customer.IsSuccess, customer.Message);
        Assert.Equal(PaymentError.Declined, (await provider.AttachCardAsync(customer.Value!.Id, "tok_chargeDeclined", "log-" + Guid.NewGuid(), CancellationToken.None)).Error);
        Assert.Contains(logger.Lines, l => l.Text.Contains("stripe", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("Declined"));
        Assert.DoesNotContain(logger.Lines, l => l.Text.Contains(Providers.TestApiKey) || l.Text.Contains(Providers.TestApiKey[8..]));
        Assert.True(provider.IsTestMode);
    }

    [Fact]
    public void A_timeout_whose_retries_would_outlast_a_grain_call_is_refused()
    {
        var options = Providers.Options(timeout: TimeSpan.FromSeconds(9), maxRetries: 2);
        Assert.Throws<ArgumentException>(options.Validate);
        options.Stripe.Timeout = TimeSpan.FromSeconds(8);
        options.Validate();
        Assert.True(options.WorstCaseCallTime <= PaymentOptions.MaxCallTime);
    }

    [Fact]
    public async Task Without_an_api_key_every_call_is_refused_and_the_start_says_why()
    {
        var options = Providers.Options();
        options.Stripe.ApiKey = "";
        var logger = new RecordingLogger<StripePaymentProvider>();
        using var provider = Providers.Stripe(options, logger);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Error && l.Text.Contains("ApiKey is not set"));
        var result = await provider.CreateCustomerAsync("c-nokey", "payer@example.com", "nokey-" + Guid.NewGuid(), CancellationToken.None);
        Assert.Equal(PaymentError.InvalidRequest, result.Error);
        Assert.False(provider.IsTestMode);
    }
}

public sealed class TestModeProviderTests
{
    [Fact]
    public void It_warns_at_start_that_no_real_money_moves()
    {
        var logger = new RecordingLogger<TestModePaymentProvider>();
        var provider = new TestModePaymentProvider(Options.Create(new PaymentOptions()), logger);
        Assert.True(provider.IsTestMode);
        Assert.Equal("test-mode", provider.Name);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("NO REAL MONEY MOVES"));
    }

    [Fact]
    public async Task Its_memory_is_bounded_and_forgets_the_oldest_charges_first()
    {
        var provider = new TestModePaymentProvider(Options.Create(new PaymentOptions { TestMode = new TestModeOptions { MaxRecords = 100 } }),
            new RecordingLogger<TestModePaymentProvider>());
        var ids = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            var charge = await provider.AuthorizeAsync(new ChargeRequest(null, "tok_visa", 10_000, "postage", new Dictionary<string, string>()), $"bound-{i}",
                CancellationToken.None);
            ids.Add(charge.Value!.Id);
        }
        Assert.Equal(PaymentError.InvalidRequest, (await provider.GetChargeAsync(ids[0], CancellationToken.None)).Error);
        Assert.True((await provider.GetChargeAsync(ids[^1], CancellationToken.None)).IsSuccess);
    }

    [Theory]
    [InlineData(10, 1L)]
    [InlineData(12_340, 1_234L)]
    [InlineData(12_345, null)]
    [InlineData(0, null)]
    [InlineData(-10, null)]
    public void Mills_become_whole_cents_or_nothing(long mills, long? cents) => Assert.Equal(cents, PaymentAmounts.ToCents(mills));
}
