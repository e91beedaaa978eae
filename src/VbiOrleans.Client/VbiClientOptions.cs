namespace VbiOrleans.Client;

/// <summary>Where the VbiOrleans server is and who is calling it.</summary>
public sealed class VbiClientOptions
{
    /// <summary>The address the host listens on by default.</summary>
    public static readonly Uri DefaultBaseAddress = new("http://127.0.0.1:5080/");

    /// <summary>The default time allowed for one request, response body included.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The server's base address; a path prefix (for a reverse proxy) is kept.</summary>
    public Uri BaseAddress { get; set; } = DefaultBaseAddress;

    /// <summary>
    /// The operator's name. With <see cref="OperatorKey"/> it is sent as HTTP Basic credentials; without a name the key
    /// is sent as a Bearer token.
    /// </summary>
    public string? OperatorName { get; set; }

    /// <summary>The operator's key. Sent only to operator endpoints, never logged and never part of a message.</summary>
    public string? OperatorKey { get; set; }

    /// <summary>The time allowed for one request. <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>A customer token (<c>vbiu_…</c>) from sign-up or login; sent only to customer endpoints, never logged.</summary>
    public string? CustomerToken { get; set; }

    /// <summary>A partner's id and secret: requests are signed (VBI-HMAC-SHA256) instead of carrying a token.</summary>
    public PartnerCredentials? Partner { get; set; }

    /// <summary>
    /// The module identity public key to pin (SubjectPublicKeyInfo DER): registration refuses an answer it did not
    /// sign. Distribute it with the application; when null, <see cref="VbiClient.RegisterMeterAsync"/> needs one passed in.
    /// </summary>
    public byte[]? ModuleIdentityKey { get; set; }

    /// <summary>How often a money-moving request is sent again (same bytes, same idempotency key) after no answer, a 5xx or a 429.</summary>
    public int Retries { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles each time (a server's Retry-After wins when longer).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The product token of the <c>Vbi-Client</c> header (default <c>vbi-sdk</c>; the CLI sends <c>vbi-cli</c>). A
    /// server refuses a version below its minimum with <see cref="VbiErrorCodes.ClientUpgradeRequired"/> (426).
    /// </summary>
    public string? Product { get; set; }

    /// <summary>The version sent with <see cref="Product"/> (MAJOR.MINOR.PATCH); default <see cref="VbiClient.Version"/>, this SDK's.</summary>
    public string? ProductVersion { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{BaseAddress} (operator {(OperatorKey is null ? "none" : OperatorName ?? "(bearer)")})";
}
