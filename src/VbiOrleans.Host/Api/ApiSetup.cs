using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// The customer, partner and operator API on top of the host: its services (<see cref="AddVbiApi"/>), its middleware
/// (<see cref="UseVbiApi"/>: per-client rate limiting and the operator audit log, after authentication and before
/// authorization, so refused credentials are limited and audited too) and its endpoints (<see cref="MapVbiApi"/>).
/// </summary>
public static class ApiSetup
{
    public static void AddVbiApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        services.AddVbiApiAuthentication();
        var limits = configuration.GetSection(ApiOptions.Section).Get<ApiOptions>()?.RateLimit ?? new RateLimitSettings();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits, perClient: true)),
                PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits, perClient: false)));
            o.OnRejected = async (rejected, token) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                rejected.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.Write(rejected.HttpContext, StatusCodes.Status429TooManyRequests, ErrorCode.RateLimited,
                    "too many requests from this client; wait for the time in Retry-After and try again");
            };
        });
    }

    public static void UseVbiApi(this WebApplication app)
    {
        app.UseRateLimiter();
        app.Use(AuditOperatorsAsync);
    }

    public static void MapVbiApi(this WebApplication app)
    {
        app.MapCustomerEndpoints();
        app.MapMeterEndpoints();
        app.MapPartnerEndpoints();
        app.MapRateEndpoints();
        app.MapReferencePage();
    }

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitSettings limits, bool perClient)
    {
        if (!limits.Enabled || context.Request.Path.StartsWithSegments("/health")) return RateLimitPartition.GetNoLimiter("none");
        // An authenticated operator on the operator API (audited) is not throttled: a recovery of every meter
        // (vbi-admin recover, one reconcile per meter) must run at the speed of the cluster, not of a customer's bucket.
        if (context.User.IsOperator() && context.Request.Path.StartsWithSegments("/v1/operator")) return RateLimitPartition.GetNoLimiter("operator");
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var user = context.User;
        // An anonymous caller (verification, sign-up, login) is its address: the per-address bucket is its bucket.
        // Customers and partners are limited on their own, so one cannot use up another's share of an address.
        var key = !perClient ? "ip:" + address
            : user.PartnerId() is { } partner ? "partner:" + partner
            : user.CustomerId() is { } customer ? "customer:" + customer
            : null;
        // Operators (few, keyed, audited) share only their address's bucket, like anonymous callers.
        if (key is null) return RateLimitPartition.GetNoLimiter("address-only");
        var (rate, burst) = perClient ? (limits.PermitsPerSecond, limits.Burst) : (limits.PerAddressPermitsPerSecond, limits.PerAddressBurst);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = Math.Max(1, rate),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>
    /// Every request to an operator endpoint, and every operator print, goes to the operator audit log (a grain per
    /// UTC day in the membership store) with who made it and how it ended, refused credentials included.
    /// </summary>
    private static async Task AuditOperatorsAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        var path = context.Request.Path;
        var operatorPath = path.StartsWithSegments("/v1/operator");
        var operatorPrint = context.User.IsOperator() && context.User.CustomerId() is null && HttpMethods.IsPost(context.Request.Method)
            && path.StartsWithSegments("/v1/meters") && path.Value!.EndsWith("/prints", StringComparison.Ordinal);
        if (!operatorPath && !operatorPrint) return;
        var who = context.User.IsOperator() ? context.User.Identity!.Name! : "(not an operator)";
        var entry = new OperatorAuditEntry(DateTimeOffset.UtcNow, who, context.Request.Method, path.Value!, context.Response.StatusCode,
            context.Connection.RemoteIpAddress?.ToString());
        try
        {
            var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<IOperatorAuditGrain>(IOperatorAuditGrain.Key(entry.At)).Append(entry);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VbiOrleans.Audit")
                .LogError(e, "Operator audit entry not stored: {Operator} {Method} {Path} {Status}", who, entry.Method, entry.Path, entry.Status);
        }
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VbiOrleans.Audit")
            .LogInformation("Operator {Operator} {Method} {Path} -> {Status}", who, entry.Method, entry.Path, entry.Status);
    }
}
