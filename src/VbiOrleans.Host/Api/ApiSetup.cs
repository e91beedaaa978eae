using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.RateLimits;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Security;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Host.Api;

/// <summary>
/// The customer, partner and operator API on top of the host: its services (<see cref="AddVbiApi"/>), its middleware
/// (<see cref="UseVbiApi"/>: rate limiting per address, the client version gate, rate limiting per client, the operator audit log and problems for bodies
/// that do not bind, after authentication and before authorization, so refused credentials are limited and audited too) and its endpoints (<see cref="MapVbiApi"/>).
/// </summary>
public static class ApiSetup
{
    public static void AddVbiApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        services.AddVbiApiAuthentication();
        // Request bodies are read strictly (Protocol's StrictJson) whether an endpoint reads them itself (ApiBody) or
        // lets minimal APIs bind them; after every other configuration, so nothing loosens them again.
        services.PostConfigure<Microsoft.AspNetCore.Http.Json.JsonOptions>(o => StrictJson.Apply(o.SerializerOptions));
        // A body that does not bind throws instead of a bare 400, so it is answered as a problem naming the field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSingleton<ClientBudgets>();
        services.AddSingleton(ClientVersionPolicy.From(configuration)); // parsed now: a bad version stops the host
        services.AddAddressMatching();
        services.AddPrinterTable();
        var limits = configuration.GetSection(ApiOptions.Section).Get<ApiOptions>()?.RateLimit ?? new RateLimitSettings();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => PerAddress(context, limits));
            o.OnRejected = async (rejected, token) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                await TooManyRequestsAsync(rejected.HttpContext, wait);
            };
        });
    }

    public static void UseVbiApi(this WebApplication app)
    {
        app.UseRateLimiter(); // per address, per host
        app.Use(app.Services.GetRequiredService<ClientVersionPolicy>().GateAsync); // before any budget or grain is spent
        app.Use(SpendClientBudgetAsync); // per customer and per partner, cluster-wide
        app.Use(AuditOperatorsAsync);
        app.Use(AnswerUnboundBodiesAsync);
    }

    public static void MapVbiApi(this WebApplication app)
    {
        app.MapCustomerEndpoints();
        app.MapMeterEndpoints();
        app.MapClientVersionEndpoints();
        app.MapPartnerEndpoints();
        app.MapRateEndpoints();
        app.MapAddressEndpoints();
        app.MapScanFormEndpoints();
        app.MapPurchaseEndpoints();
        app.MapLedgerEndpoints();
        app.MapCustomerCareEndpoints();
        app.MapCardMoneyEndpoints();
        app.MapPlanEndpoints();
        app.MapExportEndpoints();
        app.MapPaymentMethodEndpoints();
        app.MapReferencePage();
    }

    /// <summary>The bucket of the request's remote address on this host; none for health probes and operators on the operator API.</summary>
    private static RateLimitPartition<string> PerAddress(HttpContext context, RateLimitSettings limits)
    {
        if (!limits.Enabled || context.Request.Path.StartsWithSegments("/health") || Unthrottled(context)) return RateLimitPartition.GetNoLimiter("none");
        return RateLimitPartition.GetTokenBucketLimiter("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.PerAddressBurst),
            TokensPerPeriod = Math.Max(1, limits.PerAddressPermitsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    // An authenticated operator on the operator API (audited) is not throttled: a recovery of every meter
    // (vbi-admin recover, one reconcile per meter) must run at the speed of the cluster, not of a customer's bucket.
    private static bool Unthrottled(HttpContext context) => context.User.IsOperator() && context.Request.Path.StartsWithSegments("/v1/operator");

    /// <summary>
    /// One permit from the cluster-wide budget of the authenticated customer or partner (a partner acting for a
    /// customer spends its own). Anonymous callers and operators have only their address's bucket.
    /// </summary>
    private static async Task SpendClientBudgetAsync(HttpContext context, RequestDelegate next)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.RateLimit;
        var user = context.User;
        var key = !limits.Enabled || Unthrottled(context) ? null
            : user.PartnerId() is { } partner ? IRequestBudgetGrain.Key("partner", partner)
            : user.CustomerId() is { } customer ? IRequestBudgetGrain.Key("customer", customer)
            : null;
        if (key is not null)
        {
            var decision = await context.RequestServices.GetRequiredService<ClientBudgets>().TakeAsync(key);
            if (!decision.Admitted)
            {
                await TooManyRequestsAsync(context, decision.RetryAfter);
                return;
            }
        }
        await next(context);
    }

    private static Task TooManyRequestsAsync(HttpContext context, TimeSpan wait)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Problems.Write(context, StatusCodes.Status429TooManyRequests, ErrorCode.RateLimited,
            "too many requests from this client; wait for the time in Retry-After and try again");
    }

    /// <summary>
    /// A body a minimal-API endpoint could not bind (with <see cref="RouteHandlerOptions.ThrowOnBadRequest"/>): the
    /// same problem <see cref="ApiBody"/> gives, naming the member, instead of a bare 400.
    /// </summary>
    private static async Task AnswerUnboundBodiesAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var problem = e.InnerException is JsonException json
                ? ApiResponse.Problem(ErrorCode.MalformedRequest,
                    $"the body is not valid JSON for this request at {StrictJson.FieldOf(json)} (numbers are JSON numbers, each member once, only documented members)",
                    new Dictionary<string, object?> { ["field"] = StrictJson.FieldOf(json) })
                : e.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => ApiResponse.Problem(ErrorCode.RequestTooLarge, "the body is too large"),
                    StatusCodes.Status415UnsupportedMediaType => ApiResponse.Problem(ErrorCode.UnsupportedMediaType, "the body must be application/json"),
                    // A route or query value that does not parse, or a required body left out: as before, ValidationFailed.
                    _ => ApiResponse.Problem(ErrorCode.ValidationFailed, e.Message.Length > 200 ? e.Message[..200] : e.Message),
                };
            await problem.ToResult().ExecuteAsync(context);
        }
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
