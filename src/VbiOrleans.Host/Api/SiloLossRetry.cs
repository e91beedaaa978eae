using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace VbiOrleans.Host.Api;

/// <summary>The section <c>Vbi:Api:SiloLossRetry</c>: how long the API retries a request whose grain's silo died.</summary>
public sealed class SiloLossRetryOptions
{
    public const string Section = "Vbi:Api:SiloLossRetry";

    public bool Enabled { get; set; } = true;

    /// <summary>Tries after the first, at most.</summary>
    public int MaxRetries { get; set; } = 60;

    /// <summary>The wait before the first retry; it doubles up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The longest wait between tries. Short: a try while the silo is not yet declared dead is rejected at once and
    /// costs next to nothing, and the first try after the declaration is the one that succeeds.
    /// </summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// No retry starts later than this after the request began: a little more than membership needs to declare a
    /// killed silo dead (about a second with the defaults in SiloSetup.ConfigureMembership), so a retry lands on the
    /// grain's new activation, and short enough that a client's own timeout is not reached.
    /// </summary>
    public TimeSpan MaxTotalWait { get; set; } = TimeSpan.FromSeconds(6);
}

/// <summary>
/// Retries, inside the server, a request that failed only because a silo holding one of its grains died: the grain
/// call is rejected (<see cref="OrleansMessageRejectionException"/>, <see cref="SiloUnavailableException"/>: the target
/// silo is unreachable or declared dead) or its answer never came (<see cref="TimeoutException"/>). Until membership
/// declares the dead silo dead, the directory still points there and every call is rejected; once it does, the retry
/// activates the grain on a live silo. Only idempotent requests are retried, because a request that failed this way
/// may have taken effect before its silo died:
/// <list type="bullet">
/// <item>GET and HEAD, which change nothing;</item>
/// <item>the POSTs that carry an <c>Idempotency-Key</c> and take effect once per key (<see cref="IdempotentByKey"/>):
/// money-moving requests are kept at most once by the meter grain (I4), and a signed client request the module already
/// answered is answered again from the stored response (ClientSessionGrain, RequestVerdict.Retry); licensing is one
/// meter per key and a password change one change per key.</item>
/// </list>
/// Any other request (sign-up, login, registration, an operator's recover) is not retried: it fails with 500 as before,
/// and its client decides. The retry re-runs the endpoint after authentication, so a partner's nonce is not spent twice.
/// It is a middleware around the endpoint rather than an Orleans outgoing call filter because idempotency is a property
/// of the HTTP request, not of one grain call: a rejection can come from a call nested inside a grain method that had
/// already done part of its work, which only the request's idempotency makes safe to repeat; and a call filter would
/// put every grain call on the print path through the filter pipeline.
/// </summary>
public static class SiloLossRetry
{
    /// <summary>The endpoints (by name) whose effect is taken once per <c>Idempotency-Key</c>.</summary>
    public static readonly IReadOnlySet<string> IdempotentByKey = new HashSet<string>(StringComparer.Ordinal)
    {
        "LicenseMeter", "Fund", "PrintWithLabel", "Refund", "Withdraw", "ChangeMeterPassword",
    };

    /// <summary>Whether a failure says the grain's silo died (or did not answer), and nothing about the request itself.</summary>
    public static bool IsSiloLoss(Exception e) => e is OrleansMessageRejectionException or TimeoutException;

    /// <summary>The middleware: after authentication and authorization, around the endpoint.</summary>
    public static void UseSiloLossRetry(this WebApplication app) => app.Use(InvokeAsync);

    /// <summary>After the endpoints are mapped: a renamed endpoint would silently lose its retry, so every name must be there.</summary>
    public static void CheckIdempotentEndpoints(this WebApplication app)
    {
        var names = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints)
            .Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (IdempotentByKey.FirstOrDefault(n => !names.Contains(n)) is { } missing)
            throw new InvalidOperationException($"SiloLossRetry: no endpoint is named {missing}; update SiloLossRetry.IdempotentByKey");
    }

    /// <summary>Whether a retry of this request cannot take effect twice.</summary>
    public static bool IsIdempotent(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) return true;
        return HttpMethods.IsPost(request.Method)
            && context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is { } name && IdempotentByKey.Contains(name)
            && !string.IsNullOrWhiteSpace(request.Headers[LabelEndpoints.IdempotencyHeader]);
    }

    private static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<SiloLossRetryOptions>>().Value;
        if (!options.Enabled || context.GetEndpoint() is null || !IsIdempotent(context))
        {
            await next(context);
            return;
        }
        var started = Started(context);
        var delay = options.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await next(context);
                return;
            }
            catch (Exception e) when (IsSiloLoss(e) && !context.Response.HasStarted && attempt <= options.MaxRetries
                && Stopwatch.GetElapsedTime(started) + delay <= options.MaxTotalWait && !context.RequestAborted.IsCancellationRequested)
            {
                // Once per request at Information: a failover retries many requests many times.
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SiloLossRetry).FullName!).Log(
                    attempt == 1 ? LogLevel.Information : LogLevel.Debug,
                    "Retry {Attempt} of {Method} {Path} in {Delay} ms: a grain's silo is unavailable ({Exception})",
                    attempt, context.Request.Method, context.Request.Path.Value, (int)delay.TotalMilliseconds, e.GetType().Name);
                await Task.Delay(delay, context.RequestAborted);
                delay = delay * 2 < options.MaxDelay ? delay * 2 : options.MaxDelay;
                context.Response.Clear();
                // ApiBody keeps the bytes it read; a body bound by the framework is read again from the start.
                if (context.Request.Body.CanSeek) context.Request.Body.Position = 0;
            }
        }
    }

    /// <summary>
    /// One idempotent grain call (a read) made outside an endpoint, such as by an authentication handler, tried again
    /// on the same terms as a request.
    /// </summary>
    public static async Task<T> ReadAsync<T>(HttpContext context, Func<Task<T>> call)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<SiloLossRetryOptions>>().Value;
        var started = Started(context);
        var delay = options.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (options.Enabled && IsSiloLoss(e) && attempt <= options.MaxRetries
                && Stopwatch.GetElapsedTime(started) + delay <= options.MaxTotalWait && !context.RequestAborted.IsCancellationRequested)
            {
                await Task.Delay(delay, context.RequestAborted);
                delay = delay * 2 < options.MaxDelay ? delay * 2 : options.MaxDelay;
            }
        }
    }

    /// <summary>When the request's first retriable grain call began: one bound shared by an authentication handler's reads and the endpoint.</summary>
    private static long Started(HttpContext context)
    {
        if (context.Items[StartedItem] is long started) return started;
        var now = Stopwatch.GetTimestamp();
        context.Items[StartedItem] = now;
        return now;
    }

    private const string StartedItem = "vbi.siloLossRetry.started";
}
