using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Portal.Security;

/// <summary>
/// The portal's two sessions, each a cookie of its own: a customer's (<see cref="CustomerScheme"/>) and an operator's
/// (<see cref="OperatorScheme"/>). Both are <c>__Host-</c> cookies: Secure, HttpOnly, SameSite=Strict, path /, no
/// domain. A session ends after its idle timeout (the cookie slides while in use) or its absolute lifetime from log-in,
/// whichever comes first. The API never reads these cookies: it authenticates by the Authorization header only, so a
/// page from another site cannot make a signed-in browser call it.
/// </summary>
public static class PortalAuthentication
{
    public const string CustomerScheme = "PortalCustomer";
    public const string OperatorScheme = "PortalOperator";
    public const string CustomerPolicy = "PortalCustomer";
    public const string OperatorPolicy = "PortalOperator";

    public const string CustomerCookie = "__Host-vbi-customer";
    public const string OperatorCookie = "__Host-vbi-operator";

    /// <summary>The ticket item holding the session's absolute end (round-trip time, UTC).</summary>
    private const string AbsoluteEndItem = "vbi.portal.end";

    public static void AddPortalAuthentication(this IServiceCollection services, PortalOptions options)
    {
        services.AddAuthentication()
            .AddCookie(CustomerScheme, o => Configure(o, CustomerCookie, "/login", options.CustomerIdleTimeout))
            .AddCookie(OperatorScheme, o => Configure(o, OperatorCookie, "/operator/login", options.OperatorIdleTimeout));
        services.AddAuthorizationBuilder()
            .AddPolicy(CustomerPolicy, p => p.AddAuthenticationSchemes(CustomerScheme).RequireClaim(ApiAuthentication.CustomerClaim))
            .AddPolicy(OperatorPolicy, p => p.AddAuthenticationSchemes(OperatorScheme).RequireRole(OperatorAuthenticationHandler.Role));
    }

    private static void Configure(CookieAuthenticationOptions o, string name, string loginPath, TimeSpan idle)
    {
        o.Cookie.Name = name;
        o.Cookie.HttpOnly = true;
        o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.Path = "/";
        o.Cookie.IsEssential = true;
        o.ExpireTimeSpan = idle;
        o.SlidingExpiration = true;
        o.LoginPath = loginPath;
        o.AccessDeniedPath = loginPath;
        o.Events.OnValidatePrincipal = RejectPastAbsoluteEnd;
    }

    private static async Task RejectPastAbsoluteEnd(CookieValidatePrincipalContext context)
    {
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (context.Properties.Items.TryGetValue(AbsoluteEndItem, out var text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var end)
            && now < end)
        {
            return;
        }
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(context.Scheme.Name);
    }

    /// <summary>Signs the browser in as the customer, with a fresh session (idle and absolute expiry from now).</summary>
    public static Task SignInCustomerAsync(HttpContext context, string customerId, string email, TimeSpan lifetime) =>
        SignInAsync(context, CustomerScheme, lifetime,
            [new Claim(ClaimTypes.NameIdentifier, customerId), new Claim(ClaimTypes.Name, email), new Claim(ApiAuthentication.CustomerClaim, customerId)]);

    /// <summary>Signs the browser in as the operator.</summary>
    public static Task SignInOperatorAsync(HttpContext context, string operatorName, TimeSpan lifetime) =>
        SignInAsync(context, OperatorScheme, lifetime, [new Claim(ClaimTypes.Name, operatorName), new Claim(ClaimTypes.Role, OperatorAuthenticationHandler.Role)]);

    private static Task SignInAsync(HttpContext context, string scheme, TimeSpan lifetime, Claim[] claims)
    {
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var properties = new AuthenticationProperties { IsPersistent = false, AllowRefresh = true };
        properties.Items[AbsoluteEndItem] = (now + lifetime).ToString("O", CultureInfo.InvariantCulture);
        return context.SignInAsync(scheme, new ClaimsPrincipal(new ClaimsIdentity(claims, scheme)), properties);
    }
}
