using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace VbiOrleans.Grains.Partners;

/// <summary>Resolves a webhook host to its addresses (the system resolver; tests give their own).</summary>
public delegate Task<IPAddress[]> WebhookHostResolver(string host, CancellationToken cancellationToken);

/// <summary>
/// The HTTP client webhooks are delivered with. Its connections are opened here, not by the handler: the host is
/// resolved once, every address it resolved to is checked against the <see cref="WebhookDestinationPolicy"/>, and the
/// socket connects to one of those checked addresses. So a name that resolves inward at delivery time, or a resolver
/// that answers differently to a second lookup (DNS rebinding), never gets a connection. No proxy (it would connect
/// for us, to a host we did not check) and no redirects (a receiver could redirect inward).
/// </summary>
public sealed class WebhookHttp : IDisposable
{
    private readonly WebhookDestinationPolicy _policy;
    private readonly WebhookHostResolver _resolve;
    private readonly ILogger<WebhookHttp> _logger;

    public WebhookHttp(WebhookDestinationPolicy policy, ILogger<WebhookHttp> logger, WebhookHostResolver? resolve = null)
    {
        _policy = policy;
        _logger = logger;
        _resolve = resolve ?? ((host, cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken));
        Client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectCallback = ConnectAsync,
        }) { Timeout = Timeout.InfiniteTimeSpan }; // each attempt has its own timeout (WebhookOptions.Timeout)
    }

    public HttpClient Client { get; }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolve(host, cancellationToken);
        if (_policy.CheckResolved(host, addresses) is { } refusal)
        {
            _logger.LogWarning("Webhook delivery to {Host} refused: {Reason}", host, refusal);
            throw new HttpRequestException(HttpRequestError.ConnectionError, "refused: " + refusal);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => Client.Dispose();
}
