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
/// Token buckets. Per customer and per partner, one bucket for the whole cluster (an <c>IRequestBudgetGrain</c> each,
/// leased to silos in batches: <see cref="Api.ClientBudgets"/>); per remote address, one bucket per host over all the
/// address's requests (the only one an anonymous caller or operator has). Health probes are not limited.
/// </summary>
public sealed class RateLimitSettings
{
    public bool Enabled { get; set; } = true;

    /// <summary>A customer's or partner's refill rate, cluster-wide.</summary>
    public int PermitsPerSecond { get; set; } = 10;

    /// <summary>A customer's or partner's bucket size, cluster-wide.</summary>
    public int Burst { get; set; } = 100;

    /// <summary>Permits a silo leases from a client's bucket at a time: one grain call per this many requests; a silo holds at most this many − 1 unspent.</summary>
    public int LeaseSize { get; set; } = 10;

    /// <summary>How long leased permits stay spendable on a silo; unspent ones lapse (they are not returned).</summary>
    public TimeSpan LeaseLifetime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a request waits for a lease; past it (the budget grain's silo died) the silo admits on its own for one lease lifetime.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Clients a silo keeps leases for at once; past it lapsed ones are dropped, then a client leases per request.</summary>
    public int MaxLocalLeases { get; set; } = 100_000;

    public int PerAddressPermitsPerSecond { get; set; } = 200;
    public int PerAddressBurst { get; set; } = 2000;
}
