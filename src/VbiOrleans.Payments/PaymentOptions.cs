namespace VbiOrleans.Payments;

/// <summary>The section <c>Vbi:Payments</c>: which payment provider the silo uses and how it reaches it.</summary>
public sealed class PaymentOptions
{
    public const string Section = "Vbi:Payments";

    /// <summary>The Stripe adapter.</summary>
    public const string StripeName = "stripe";

    /// <summary>The in-process test-mode provider: no real money moves.</summary>
    public const string TestModeName = "test-mode";

    /// <summary><see cref="StripeName"/> or <see cref="TestModeName"/>; empty picks the profile's default (Cluster: stripe, Local: test-mode).</summary>
    public string? Provider { get; set; }

    public StripeOptions Stripe { get; set; } = new();
    public TestModeOptions TestMode { get; set; } = new();

    /// <summary>How many transient failures (5xx, timeout, no connection, 429) a call retries with the same idempotency key.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>The wait before the first retry; doubled before each next one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many payment methods a customer may have in use at once.</summary>
    public int MaxPaymentMethods { get; set; } = 10;

    /// <summary>How many removed payment methods a customer's record keeps: a bank account's authorization serves the debits made before the removal.</summary>
    public int MaxRemovedMethods { get; set; } = 50;

    public void Validate()
    {
        if (MaxPaymentMethods is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(MaxPaymentMethods), MaxPaymentMethods, "Vbi:Payments:MaxPaymentMethods is 1 to 100");
        if (MaxRemovedMethods is < 0 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(MaxRemovedMethods), MaxRemovedMethods, "Vbi:Payments:MaxRemovedMethods is 0 to 1000");
        if (MaxRetries is < 0 or > 10) throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "Vbi:Payments:MaxRetries is 0 to 10");
        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromSeconds(30))
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "Vbi:Payments:RetryDelay is 0 to 30 seconds");
        Stripe.Validate();
        TestMode.Validate();
        if (WorstCaseCallTime > MaxCallTime)
            throw new ArgumentException($"Vbi:Payments:Stripe:Timeout x (MaxRetries + 1) plus the retry waits is {WorstCaseCallTime}; at most {MaxCallTime}, "
                + "so a grain waiting on the provider answers within Orleans' 30 s response timeout");
    }

    /// <summary>The longest a provider call may take, its retries and waits included.</summary>
    public static readonly TimeSpan MaxCallTime = TimeSpan.FromSeconds(25);

    /// <summary>Every attempt timing out, with the doubling waits between them.</summary>
    public TimeSpan WorstCaseCallTime => Stripe.Timeout * (MaxRetries + 1) + RetryDelay * ((1 << MaxRetries) - 1);
}

/// <summary>The section <c>Vbi:Payments:Stripe</c>.</summary>
public sealed class StripeOptions
{
    /// <summary>Stripe's API, or stripe-stateful-mock locally and in tests.</summary>
    public string BaseUrl { get; set; } = "https://api.stripe.com";

    /// <summary>The secret API key (<c>sk_…</c>): a secret, never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The longest one HTTP call to the provider may take before it counts as unavailable. With the retries, the whole
    /// call stays within <see cref="PaymentOptions.MaxCallTime"/>.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(8);

    public void Validate()
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException("Vbi:Payments:Stripe:BaseUrl is an absolute http(s) URL", nameof(BaseUrl));
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(2))
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Vbi:Payments:Stripe:Timeout is above 0 and at most 2 minutes");
    }
}

/// <summary>The section <c>Vbi:Payments:TestMode</c>.</summary>
public sealed class TestModeOptions
{
    /// <summary>How many customers, cards, charges and idempotency records the in-process provider keeps, each; the oldest go first.</summary>
    public int MaxRecords { get; set; } = 20_000;

    public void Validate()
    {
        if (MaxRecords is < 100 or > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(MaxRecords), MaxRecords, "Vbi:Payments:TestMode:MaxRecords is 100 to 1,000,000");
    }
}
