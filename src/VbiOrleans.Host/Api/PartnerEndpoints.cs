using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Partners;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// Partners: their own settings (webhook URL) and delivery log, through signed requests; and, for operators, creating
/// partners, looking up customers and reading the operator audit log.
/// </summary>
public static class PartnerEndpoints
{
    public static void MapPartnerEndpoints(this IEndpointRouteBuilder app)
    {
        var partners = app.MapGroup("/v1/partners").WithTags("Partners").RequireAuthorization(ApiAuthentication.PartnerPolicy);

        partners.MapGet("/me", async (ClaimsPrincipal user, IGrainFactory grains) =>
                await grains.GetGrain<IPartnerGrain>(IPartnerGrain.Key(user.PartnerId()!)).Get() is { } partner
                    ? Results.Ok(partner)
                    : ApiResponse.Problem(ErrorCode.PartnerNotFound, "no such partner").ToResult())
            .WithName("PartnerMe")
            .WithSummary("The partner: name, webhook URL, linked customers.")
            .Produces<PartnerView>();

        partners.MapPut("/me/webhook", async (HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IOptions<ApiOptions> api, VbiOptions vbi) =>
            {
                var body = await ApiBody.ReadJsonAsync<WebhookSettingRequest>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                if (body.Value!.Url is { } url && Partners.CheckWebhookUrl(url, api.Value.AllowHttpWebhooks || vbi.Profile == HostProfile.Local) is { } problem)
                    return ApiResponse.Problem(ErrorCode.InvalidWebhookUrl, problem).ToResult();
                var result = await grains.GetGrain<IPartnerGrain>(IPartnerGrain.Key(user.PartnerId()!)).SetWebhook(body.Value.Url);
                return (result.IsSuccess ? ApiResponse.Ok(result.Partner!) : ApiResponse.Problem(result.Error, result.Message!)).ToResult();
            })
            .WithName("SetWebhook")
            .WithSummary("Sets (or, with null, clears) the URL webhooks are POSTed to, signed with Vbi-Signature.")
            .Accepts<WebhookSettingRequest>("application/json")
            .Produces<PartnerView>();

        partners.MapGet("/webhooks/deliveries", async (ClaimsPrincipal user, IGrainFactory grains, int? limit) =>
                Results.Ok(await grains.GetGrain<IWebhookDispatcherGrain>(IPartnerGrain.Key(user.PartnerId()!)).Deliveries(limit ?? 50)))
            .WithName("WebhookDeliveries")
            .WithSummary("The delivery log, newest first: each attempt's event, HTTP status or error, and when the next try is due.")
            .Produces<IReadOnlyList<WebhookDelivery>>();

        var operators = app.MapGroup("/v1/operator").WithTags("Operators: customers, partners, audit")
            .RequireAuthorization(OperatorAuthenticationHandler.Policy);

        operators.MapPost("/partners", async (HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IOptions<ApiOptions> api, VbiOptions vbi) =>
            {
                var body = await ApiBody.ReadJsonAsync<CreatePartnerRequest>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                return (await CreateAsync(grains, api.Value, vbi, body.Value!, user.Identity!.Name!)).ToResult();
            })
            .WithName("CreatePartner")
            .WithSummary("Creates a partner and returns its request-signing secret and webhook secret (base64url), shown once.")
            .Accepts<CreatePartnerRequest>("application/json")
            .Produces<PartnerCreated>(StatusCodes.Status201Created);

        operators.MapGet("/partners/{partnerId}", async (string partnerId, IGrainFactory grains) =>
                Partners.IsPartnerId(partnerId) && await grains.GetGrain<IPartnerGrain>(IPartnerGrain.Key(partnerId)).Get() is { } partner
                    ? Results.Ok(partner)
                    : ApiResponse.Problem(ErrorCode.PartnerNotFound, $"partner {partnerId} does not exist").ToResult())
            .WithName("GetPartner")
            .Produces<PartnerView>();

        operators.MapGet("/customers/{customerId}", async (string customerId, IGrainFactory grains) =>
                CustomerIds.IsValid(customerId) && await grains.GetGrain<ICustomerGrain>(customerId).Get() is { } customer
                    ? Results.Ok(CustomerProfile.Of(customer))
                    : ApiResponse.Problem(ErrorCode.NotFound, $"customer {customerId} does not exist").ToResult())
            .WithName("GetCustomer")
            .WithSummary("A customer account for support: email, meters, linked partners.")
            .Produces<CustomerProfile>();

        operators.MapGet("/audit", async (IGrainFactory grains, TimeProvider clock, string? date) =>
            {
                var day = clock.GetUtcNow();
                if (date is not null)
                {
                    if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", out var d))
                        return ApiResponse.Problem(ErrorCode.ValidationFailed, "date is yyyy-MM-dd (UTC)").ToResult();
                    day = new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                }
                return Results.Ok(await grains.GetGrain<IOperatorAuditGrain>(IOperatorAuditGrain.Key(day)).List());
            })
            .WithName("OperatorAudit")
            .WithSummary("The operator audit log of one UTC day (default today): every operator request, who made it and its status.")
            .Produces<IReadOnlyList<OperatorAuditEntry>>();
    }

    /// <summary>
    /// Creates a partner (the operator API's and the operator portal's one way): checks the id, name and webhook URL,
    /// makes the request-signing and webhook secrets, and answers them once (base64url).
    /// </summary>
    public static async Task<ApiResponse> CreateAsync(IGrainFactory grains, ApiOptions api, VbiOptions vbi, CreatePartnerRequest request, string createdBy)
    {
        if (!Partners.IsPartnerId(request.PartnerId))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "partnerId is 1 to 64 of A-Z a-z 0-9 . _ -");
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100 || request.Name.Any(char.IsControl))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "name is 1 to 100 characters without control characters");
        if (request.WebhookUrl is { } url && Partners.CheckWebhookUrl(url, api.AllowHttpWebhooks || vbi.Profile == HostProfile.Local) is { } problem)
            return ApiResponse.Problem(ErrorCode.InvalidWebhookUrl, problem);
        var secret = RandomNumberGenerator.GetBytes(32);
        var webhookSecret = RandomNumberGenerator.GetBytes(32);
        var result = await grains.GetGrain<IPartnerGrain>(IPartnerGrain.Key(request.PartnerId!))
            .Create(request.Name, secret, webhookSecret, request.WebhookUrl, createdBy);
        return result.IsSuccess
            ? ApiResponse.Created(new PartnerCreated(result.Partner!, Base64Url(secret), Base64Url(webhookSecret)))
            : ApiResponse.Problem(result.Error, result.Message!);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public static class Partners
{
    public static bool IsPartnerId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Null when the URL is usable for webhooks: absolute https (http only when allowed), no credentials, at most 2,000 characters.</summary>
    public static string? CheckWebhookUrl(string url, bool allowHttp)
    {
        if (url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri)) return "the webhook URL must be an absolute URL of at most 2,000 characters";
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowHttp && uri.Scheme == Uri.UriSchemeHttp)) return "the webhook URL must be https://";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "the webhook URL must not carry credentials";
        return null;
    }
}
