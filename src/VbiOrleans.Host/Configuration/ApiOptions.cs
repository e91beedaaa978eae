using VbiOrleans.Protocol.Passwords;

namespace VbiOrleans.Host.Configuration;

/// <summary>The section <c>Vbi:Api</c>: customer tokens, body limits, rate limits, webhooks.</summary>
public sealed class ApiOptions
{
    public const string Section = "Vbi:Api";

    /// <summary>How long a customer token from sign-up or login is valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>PBKDF2 iterations of web-account password verifiers (the count travels in each verifier).</summary>
    public int AccountPasswordIterations { get; set; } = PasswordVerifier.DefaultIterations;

    /// <summary>The largest JSON body the customer, partner and operator endpoints read (a signed request is about 1 KB).</summary>
    public int MaxJsonBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Allow http:// webhook URLs (always allowed in the Local profile); production partners give https://.</summary>
    public bool AllowHttpWebhooks { get; set; }

    public RateLimitSettings RateLimit { get; set; } = new();
}

/// <summary>
/// Token buckets: one per identified client (customer, partner or operator) and one per remote address over all its
/// requests (the only one an anonymous caller has). Health probes are not limited.
/// </summary>
public sealed class RateLimitSettings
{
    public bool Enabled { get; set; } = true;
    public int PermitsPerSecond { get; set; } = 10;
    public int Burst { get; set; } = 100;
    public int PerAddressPermitsPerSecond { get; set; } = 200;
    public int PerAddressBurst { get; set; } = 2000;
}
