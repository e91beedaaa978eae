using Microsoft.AspNetCore.Antiforgery;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Host.Api;
using VbiOrleans.Host.Portal.Security;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Portal.Customer;

/// <summary>
/// The API credential of a page that runs the client protocol in the browser (docs/portal.md, "The client protocol in
/// the browser"): a customer token like the one <c>POST /v1/sessions</c> gives, minted for the signed-in customer and
/// living <see cref="PortalOptions.PageTokenLifetime"/>. The page keeps it in memory only and revokes it when it is
/// left. It asks the customer's session cookie (SameSite=Strict, HttpOnly) and the page's antiforgery token in the
/// <c>RequestVerificationToken</c> header, so another site can neither mint one nor read it; the API itself still takes
/// no cookie.
/// </summary>
public static class PageApiToken
{
    public const string Path = "/portal/api-token";

    public static void MapPageApiToken(this IEndpointRouteBuilder app) =>
        app.MapPost(Path, IssueAsync)
            .RequireAuthorization(PortalAuthentication.CustomerPolicy)
            .ExcludeFromDescription();

    private static async Task<IResult> IssueAsync(HttpContext context, IAntiforgery antiforgery, IGrainFactory grains, PortalOptions options,
        TimeProvider clock)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (!await antiforgery.IsRequestValidAsync(context))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "the page's antiforgery token is missing or wrong").ToResult();
        var customerId = context.User.CustomerId()!;
        var token = CustomerTokens.New(customerId);
        var expiresAt = clock.GetUtcNow() + options.PageTokenLifetime;
        var added = await grains.GetGrain<ICustomerGrain>(customerId).AddToken(CustomerTokens.Hash(token), expiresAt);
        if (!added.IsSuccess) return ApiResponse.Problem(added.Error, added.Message ?? "no token").ToResult();
        return Results.Ok(new PageTokenView(token, expiresAt));
    }
}

/// <summary>A page's customer token and when it ends.</summary>
public sealed record PageTokenView(string Token, DateTimeOffset ExpiresAt);
