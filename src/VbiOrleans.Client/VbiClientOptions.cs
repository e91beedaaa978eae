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

    /// <inheritdoc />
    public override string ToString() =>
        $"{BaseAddress} (operator {(OperatorKey is null ? "none" : OperatorName ?? "(bearer)")})";
}
