namespace VbiOrleans.Host.Portal;

/// <summary>
/// The web portal's settings (section <c>Vbi:Portal</c>): how long a signed-in browser stays signed in, where the
/// cookie keys live, and the bound on the operators' scan for inhibited meters.
/// </summary>
public sealed class PortalOptions
{
    public const string Section = "Vbi:Portal";

    /// <summary>A customer's session ends after this long without a request (the cookie slides while in use).</summary>
    public TimeSpan CustomerIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A customer's session ends this long after log-in, however active.</summary>
    public TimeSpan CustomerSessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>An operator's session ends after this long without a request.</summary>
    public TimeSpan OperatorIdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>An operator's session ends this long after log-in, however active.</summary>
    public TimeSpan OperatorSessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// The folder of the keys that protect the session cookies and antiforgery tokens. Default: the data directory's
    /// <c>portal-keys</c> in the Local profile, ASP.NET Core's per-user key folder in the Cluster profile. Hosts behind
    /// one address must share it, or a cookie made by one is refused by another.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>
    /// How long the customer token a page mints for its script lives (docs/portal.md, "The client protocol in the
    /// browser"); the page asks for a new one when it ends.
    /// </summary>
    public TimeSpan PageTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many meters of the log the operators' "inhibited meters" page looks at, at most, per request.</summary>
    public int InhibitedScanLimit { get; set; } = 1000;
}
