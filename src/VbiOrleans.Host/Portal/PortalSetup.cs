using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Builder;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Portal.Components;
using VbiOrleans.Host.Portal.Customer;
using VbiOrleans.Host.Portal.Security;

namespace VbiOrleans.Host.Portal;

/// <summary>
/// The web portal for customers and operators (docs/portal.md): Razor components rendered on the server (static
/// server rendering, plain HTML forms, no script), beside the API in the same host. Its services
/// (<see cref="AddVbiPortal"/>), its middleware (<see cref="UseVbiPortal"/>: security headers on every page, the
/// operator audit log of every operator page, antiforgery) and its pages (<see cref="MapVbiPortal"/>).
/// </summary>
public static class PortalSetup
{
    /// <summary>
    /// Every page: only this host's scripts, styles, images and forms; never framed. No inline script or style at all,
    /// so an injected tag runs nothing.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    /// <summary>
    /// The antiforgery cookie is Secure whenever the request is (SameAsRequest, so not a <c>__Host-</c> name): the
    /// antiforgery system refuses to run on plain HTTP with an always-Secure cookie, and a developer's host on
    /// http://127.0.0.1 must still take forms. Alone it proves nothing: a form needs its token and the session too.
    /// </summary>
    public const string AntiforgeryCookie = "vbi-antiforgery";

    /// <summary>Where the operator log-in page leaves the name it signed in, for the audit entry of that request.</summary>
    internal const string SignedInOperatorItem = "vbi.portal.operator";

    public static void AddVbiPortal(this IServiceCollection services, IConfiguration configuration, VbiOptions vbi, StoreConnections? connections)
    {
        var options = configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();
        services.AddSingleton(options);
        // The provider as the silo chooses it (SiloSetup.AddPaymentProvider): the configured one, else the profile's default.
        var provider = configuration[$"{VbiOrleans.Payments.PaymentOptions.Section}:{nameof(VbiOrleans.Payments.PaymentOptions.Provider)}"];
        var providerName = string.IsNullOrWhiteSpace(provider)
            ? vbi.Profile == HostProfile.Cluster ? VbiOrleans.Payments.PaymentOptions.StripeName : VbiOrleans.Payments.PaymentOptions.TestModeName
            : provider.Trim().ToLowerInvariant();
        services.AddSingleton(PortalCardEntry.For(providerName, options.StripePublishableKey));
        services.AddRazorComponents();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        var (keyRing, warn) = PortalKeyRing.Configure(services, options, vbi, connections);
        services.AddSingleton(new PortalKeyRingDescription(keyRing, warn));
        services.AddSingleton(ForwardedHeaders(options.TrustedProxies));
        services.AddPortalAuthentication(options);
    }

    /// <summary>
    /// The scheme and client address a trusted reverse proxy reports (<c>X-Forwarded-Proto</c>, <c>X-Forwarded-For</c>),
    /// only from the proxies of <c>Vbi:Portal:TrustedProxies</c>; with none configured the headers are never read. First
    /// in the pipeline, so that everything after it (cookies' Secure flag, the audit log's address, the per-address rate
    /// limit) sees the request as the client made it.
    /// </summary>
    public static void UseVbiForwardedHeaders(this WebApplication app)
    {
        var forwarded = app.Services.GetRequiredService<ForwardedHeadersOptions>();
        if (forwarded.KnownProxies.Count > 0 || forwarded.KnownIPNetworks.Count > 0) app.UseForwardedHeaders(forwarded);
    }

    /// <summary>The forwarded-headers settings for exactly these proxies: ASP.NET Core's default trust of loopback is dropped.</summary>
    internal static ForwardedHeadersOptions ForwardedHeaders(IReadOnlyList<string> trustedProxies)
    {
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor,
            ForwardLimit = 1, // the one proxy in front of the host: its own entry, never what the client wrote before it
        };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in trustedProxies)
        {
            if (System.Net.IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
            else if (System.Net.IPNetwork.TryParse(proxy, out var network)) forwarded.KnownIPNetworks.Add(network);
            else throw new ArgumentException($"Vbi:Portal:TrustedProxies: '{proxy}' is neither an IP address nor a network (10.0.0.0/8)");
        }
        return forwarded;
    }

    public static void UseVbiPortal(this WebApplication app)
    {
        var keyRing = app.Services.GetRequiredService<PortalKeyRingDescription>();
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VbiOrleans.Host").Log(keyRing.Warn ? LogLevel.Warning : LogLevel.Information, "{KeyRing}", keyRing.Text);
        app.Use(AddSecurityHeaders);
        app.Use(AuditOperatorPagesAsync);
        app.UseAntiforgery(); // validates the token of every form posted to a page
    }

    public static void MapVbiPortal(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>();
        app.MapPageApiToken(); // the customer token of a page that runs the client protocol (Portal/Customer/)
        app.MapPortalDownloads();
    }

    private static Task AddSecurityHeaders(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is { } component)
        {
            // Only the payment page, and only under Stripe.js, names an outside origin.
            var policy = component.Type == typeof(Pages.PaymentMethods) && context.RequestServices.GetRequiredService<PortalCardEntry>().UsesStripeJs
                ? PortalCardEntry.StripeContentSecurityPolicy
                : ContentSecurityPolicy;
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-store"; // pages show account data: never kept by a shared cache or the back button
                return Task.CompletedTask;
            });
        }
        return next(context);
    }

    /// <summary>
    /// Every request to an operator page (log-in and log-out included, refused ones too) goes to the operator audit log,
    /// in the same grain and form as the operator API's: who, method, path, status, address.
    /// </summary>
    private static async Task AuditOperatorPagesAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/operator"))
        {
            await next(context);
            return;
        }
        // Who asks is read before the page runs: the cookie handler cannot be asked once the response has started.
        var session = await context.AuthenticateAsync(PortalAuthentication.OperatorScheme);
        await next(context);
        var who = context.Items[SignedInOperatorItem] as string ?? (session.Succeeded ? session.Principal.Identity?.Name : null);
        var entry = new OperatorAuditEntry(DateTimeOffset.UtcNow, who ?? "(not an operator)", context.Request.Method, context.Request.Path.Value!,
            context.Response.StatusCode, context.Connection.RemoteIpAddress?.ToString());
        var log = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VbiOrleans.Audit");
        try
        {
            await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IOperatorAuditGrain>(IOperatorAuditGrain.Key(entry.At)).Append(entry);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Operator audit entry not stored: {Operator} {Method} {Path} {Status}", entry.Operator, entry.Method, entry.Path, entry.Status);
        }
        log.LogInformation("Operator {Operator} {Method} {Path} -> {Status} (portal)", entry.Operator, entry.Method, entry.Path, entry.Status);
    }
}

/// <summary>Where the portal's keys are and how they are kept, for the host's start-up line.</summary>
internal sealed record PortalKeyRingDescription(string Text, bool Warn);
