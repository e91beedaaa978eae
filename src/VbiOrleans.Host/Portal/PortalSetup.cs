using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.DataProtection;
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

    public static void AddVbiPortal(this IServiceCollection services, IConfiguration configuration, VbiOptions vbi)
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
        var keys = services.AddDataProtection().SetApplicationName("VbiOrleans.Portal");
        // The Cluster profile's hosts need not have a writable data directory (the container runs as a user that
        // cannot write /app): without a configured folder they keep ASP.NET Core's default, the user's own key folder.
        var keyDirectory = options.KeyDirectory ?? (vbi.Profile == HostProfile.Local ? Path.Combine(vbi.DataDirectory, "portal-keys") : null);
        if (keyDirectory is not null) keys.PersistKeysToFileSystem(new DirectoryInfo(Path.GetFullPath(keyDirectory)));
        services.AddPortalAuthentication(options);
    }

    public static void UseVbiPortal(this WebApplication app)
    {
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
