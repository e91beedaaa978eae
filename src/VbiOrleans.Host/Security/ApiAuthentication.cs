using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using VbiOrleans.Host.Api;

namespace VbiOrleans.Host.Security;

/// <summary>
/// The API's credentials and who may call what. Three kinds of caller: customers (<c>Authorization: Bearer vbiu_…</c>,
/// <see cref="CustomerAuthenticationHandler"/>), partners (<c>Authorization: VBI-HMAC-SHA256 …</c>, signed requests,
/// optionally acting for a customer who linked them, <see cref="PartnerAuthenticationHandler"/>), and operators
/// (HTTP Basic or another Bearer key, <see cref="OperatorAuthenticationHandler"/>). The <see cref="SelectorScheme"/>
/// picks one handler per request from the Authorization header, so a customer's token is never tried as an
/// operator key.
/// </summary>
public static class ApiAuthentication
{
    public const string SelectorScheme = "Vbi";
    public const string CustomerPolicy = "Customer";
    public const string PartnerPolicy = "Partner";
    public const string CustomerOrOperatorPolicy = "CustomerOrOperator";

    public const string CustomerClaim = "vbi:customer";
    public const string MeterClaim = "vbi:meter";
    public const string PartnerClaim = "vbi:partner";

    /// <summary>The header a partner names the customer it acts for with.</summary>
    public const string OnBehalfOfHeader = "Vbi-On-Behalf-Of";

    /// <summary>Where a handler leaves why authentication failed (an <see cref="ErrorCode"/> and a sentence) for the challenge.</summary>
    internal const string FailureItem = "vbi.auth.failure";

    public static void AddVbiApiAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, CustomerAuthenticationHandler>(CustomerAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, PartnerAuthenticationHandler>(PartnerAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(SelectorScheme, "Customer, partner or operator, by the Authorization header", o =>
            {
                o.ForwardDefaultSelector = Select;
                o.ForwardForbid = CustomerAuthenticationHandler.SchemeName;
            });
        // Every request is authenticated through the selector; operator endpoints keep the operator challenge (Basic
        // realm, for the dashboard) because the default challenge scheme stays the operator's.
        services.Configure<AuthenticationOptions>(o => o.DefaultAuthenticateScheme = SelectorScheme);
        services.AddAuthorizationBuilder()
            .AddPolicy(CustomerPolicy, p => p.AddAuthenticationSchemes(SelectorScheme).RequireClaim(CustomerClaim))
            .AddPolicy(PartnerPolicy, p => p.AddAuthenticationSchemes(SelectorScheme).RequireClaim(PartnerClaim))
            .AddPolicy(CustomerOrOperatorPolicy, p => p.AddAuthenticationSchemes(SelectorScheme)
                .RequireAssertion(c => c.User.HasClaim(h => h.Type == CustomerClaim) || c.User.IsInRole(OperatorAuthenticationHandler.Role)));
    }

    private static string Select(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith(PartnerAuthenticationHandler.HeaderScheme + " ", StringComparison.Ordinal)) return PartnerAuthenticationHandler.SchemeName;
        if (header.StartsWith("Bearer " + CustomerTokens.Prefix, StringComparison.Ordinal)) return CustomerAuthenticationHandler.SchemeName;
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return OperatorAuthenticationHandler.SchemeName;
        return CustomerAuthenticationHandler.SchemeName;
    }

    public static string? CustomerId(this ClaimsPrincipal user) => user.FindFirst(CustomerClaim)?.Value;

    public static string? PartnerId(this ClaimsPrincipal user) => user.FindFirst(PartnerClaim)?.Value;

    public static bool IsOperator(this ClaimsPrincipal user) => user.IsInRole(OperatorAuthenticationHandler.Role);

    /// <summary>Who acts: "partner:{id}" for a partner acting for the customer, else "customer".</summary>
    public static string Actor(this ClaimsPrincipal user) => user.PartnerId() is { } partner ? $"partner:{partner}" : "customer";

    public static bool OwnsMeter(this ClaimsPrincipal user, string meterId) => user.HasClaim(MeterClaim, meterId);

    internal static AuthenticateResult Fail(HttpContext context, ErrorCode code, string message)
    {
        context.Items[FailureItem] = (code, message);
        return AuthenticateResult.Fail(message);
    }

    /// <summary>The problem document for a refused credential: the handler's reason when it left one, else a generic one.</summary>
    internal static Task ChallengeAsync(HttpContext context, bool forbidden)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        var (code, message) = context.Items[FailureItem] is ValueTuple<ErrorCode, string> failure
            ? failure
            : forbidden
                ? (ErrorCode.Forbidden, "These credentials do not reach this endpoint.")
                : (ErrorCode.Unauthenticated,
                    "Credentials are required: a customer token (Authorization: Bearer vbiu_…), a partner signature (Authorization: VBI-HMAC-SHA256 …) or, where operators are allowed, operator credentials.");
        return Problems.Write(context, Problems.StatusFor(code), code, message);
    }
}
