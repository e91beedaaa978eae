using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VbiOrleans.Payments.Tests;

/// <summary>A logger that keeps every line it is given, for tests of what a provider says and never says.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, string Text)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Text)> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add((logLevel, formatter(state, exception) + exception));
    }
}

public static class Providers
{
    public const string TestApiKey = "sk_test_vbi_payments_tests_0123456789";

    public static PaymentOptions Options(string? baseUrl = null, TimeSpan? timeout = null, int maxRetries = 2) => new()
    {
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        Stripe = new StripeOptions
        {
            BaseUrl = baseUrl ?? VbiOrleans.Testing.LocalServices.Require("VBI_STRIPE_URL"),
            ApiKey = TestApiKey,
            Timeout = timeout ?? TimeSpan.FromSeconds(5),
        },
    };

    public static StripePaymentProvider Stripe(PaymentOptions options, RecordingLogger<StripePaymentProvider>? logger = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options), logger ?? new RecordingLogger<StripePaymentProvider>());
}

/// <summary>The contract against the Stripe adapter talking to stripe-stateful-mock ($VBI_STRIPE_URL).</summary>
[Trait("Service", "stripe-stateful-mock")]
public sealed class StripeProviderContractTests : PaymentProviderContract, IDisposable
{
    private readonly StripePaymentProvider _provider = Providers.Stripe(Providers.Options());

    protected override IPaymentProvider Provider => _provider;

    public void Dispose() => _provider.Dispose();
}

/// <summary>The same contract against the Local profile's in-process provider.</summary>
public sealed class TestModeProviderContractTests : PaymentProviderContract
{
    protected override IPaymentProvider Provider { get; } =
        new TestModePaymentProvider(Options.Create(new PaymentOptions { RetryDelay = TimeSpan.FromMilliseconds(1) }), new RecordingLogger<TestModePaymentProvider>());
}
