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
    /// A folder for the keys that protect the session cookies and antiforgery tokens, instead of the default store: the
    /// data directory's <c>portal-keys</c> in the Local profile, the membership database in the Cluster profile (every
    /// silo of the cluster reads it, so a cookie made by one host is taken by every other). Hosts given a folder must
    /// share it.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>
    /// A PKCS#12 (.pfx) file with an RSA certificate and its private key: each key of the key ring is encrypted to it
    /// before it is stored, and read back with it. Every host of a cluster needs the same file. Without it the keys are
    /// stored unencrypted (the host says so at start).
    /// </summary>
    public string? KeyCertificate { get; set; }

    /// <summary>A file holding the password of <see cref="KeyCertificate"/>, when it has one.</summary>
    public string? KeyCertificatePasswordFile { get; set; }

    /// <summary>
    /// The reverse proxies (addresses, or networks as <c>10.0.0.0/8</c>) whose <c>X-Forwarded-Proto</c> and
    /// <c>X-Forwarded-For</c> the host believes: behind a TLS-terminating ingress the request is then https (so the
    /// antiforgery cookie is Secure) and its address the client's (the audit log, the per-address rate limit). None by
    /// default: those headers from anyone else are ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// How long the customer token a page mints for its script lives (docs/portal.md, "The client protocol in the
    /// browser"); the page asks for a new one when it ends.
    /// </summary>
    public TimeSpan PageTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many meters of the log the operators' "inhibited meters" page looks at, at most, per request.</summary>
    public int InhibitedScanLimit { get; set; } = 1000;

    /// <summary>How many rows a CSV batch of prints on the postage page may have; a longer file is refused whole, before anything is printed.</summary>
    public int BatchRowLimit { get; set; } = 500;

    /// <summary>
    /// Stripe's publishable key (<c>pk_…</c>, public by design) for card entry with Stripe.js on the payment page. Used
    /// only when the payment provider is the Stripe adapter; without it (the payment mock, tests) the page takes the
    /// provider's test tokens and loads nothing from another origin.
    /// </summary>
    public string? StripePublishableKey { get; set; }
}

/// <summary>
/// How the payment page takes a card: with Stripe.js from Stripe's origin (<see cref="PublishableKey"/> set: the
/// provider is the Stripe adapter and a publishable key is configured), or as a test token typed on the page.
/// </summary>
public sealed record PortalCardEntry(string? PublishableKey)
{
    /// <summary>The one outside origin the payment page may load from, and only when <see cref="UsesStripeJs"/>.</summary>
    public const string StripeJsOrigin = "https://js.stripe.com";

    public const string StripeJsUrl = StripeJsOrigin + "/v3";

    public bool UsesStripeJs => PublishableKey is not null;

    /// <summary>
    /// The payment page's policy under Stripe.js: the strict policy with Stripe's script and frame origin, and its API
    /// in connect-src (Stripe's own Content-Security-Policy guidance for Stripe.js).
    /// </summary>
    public const string StripeContentSecurityPolicy =
        "default-src 'self'; script-src 'self' " + StripeJsOrigin + "; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self' https://api.stripe.com; frame-src " + StripeJsOrigin + "; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    /// <summary>Stripe.js only with the Stripe adapter and a publishable key; a key that is not <c>pk_…</c> (a secret key given by mistake) stops the host.</summary>
    public static PortalCardEntry For(string paymentProvider, string? publishableKey)
    {
        if (string.IsNullOrWhiteSpace(publishableKey)) return new PortalCardEntry((string?)null);
        var key = publishableKey.Trim();
        if (!key.StartsWith("pk_", StringComparison.Ordinal) || key.Length > 255 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException("Vbi:Portal:StripePublishableKey is Stripe's publishable key, pk_…; never the secret key");
        return new PortalCardEntry(paymentProvider == VbiOrleans.Payments.PaymentOptions.StripeName ? key : null);
    }
}
