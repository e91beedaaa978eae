using System.Security.Claims;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Payments;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// A customer's payment methods (docs/commerce.md, "Payment methods and the payment provider"; docs/api.md, "Payment
/// methods"): cards from a payment provider token, US bank accounts with the ACH debit authorization. The credential
/// is a customer's token, or a partner's signature acting for a linked customer. Each endpoint makes one call on the
/// customer's <see cref="IPaymentMethodsGrain"/>.
/// </summary>
public static class PaymentMethodEndpoints
{
    public const int MaxIdempotencyKeyLength = 128;

    public static void MapPaymentMethodEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/payment-methods").WithTags("Payment methods").RequireAuthorization(ApiAuthentication.CustomerPolicy);

        group.MapPost("/", AddAsync)
            .WithName("AddPaymentMethod")
            .WithSummary("Adds a card {card: {token}} (a token from the payment provider; card numbers never reach us) or a US bank account "
                + "{bank: {routingNumber, accountNumber, accountType, holderName, authorization: {accepted, textVersion}}}. An Idempotency-Key makes a retry answer the same method.")
            .Accepts<AddPaymentMethodRequest>("application/json")
            .Produces<PaymentMethodJson>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/", async (ClaimsPrincipal user, IGrainFactory grains) =>
                Results.Ok((await grains.GetGrain<IPaymentMethodsGrain>(user.CustomerId()!).List()).Select(PaymentMethodJson.Of).ToList()))
            .WithName("ListPaymentMethods")
            .WithSummary("The account's payment methods, oldest first: only the last 4 digits of a card or an account number.")
            .Produces<IReadOnlyList<PaymentMethodJson>>();

        group.MapGet("/ach-authorization", () => Results.Ok(new AchAuthorizationJson(AchAuthorization.CurrentVersion, AchAuthorization.CurrentText)))
            .WithName("AchAuthorizationText")
            .WithSummary("The ACH debit authorization a customer accepts to add a bank account: its version (sent back as textVersion) and text.")
            .Produces<AchAuthorizationJson>();

        group.MapDelete("/{methodId}", async (string methodId, ClaimsPrincipal user, IGrainFactory grains) =>
                Answer(await grains.GetGrain<IPaymentMethodsGrain>(user.CustomerId()!).Remove(methodId), StatusCodes.Status200OK))
            .WithName("RemovePaymentMethod")
            .WithSummary("Stops using a payment method (a removed default passes to the oldest remaining method).")
            .Produces<PaymentMethodJson>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{methodId}/default", async (string methodId, ClaimsPrincipal user, IGrainFactory grains) =>
                Answer(await grains.GetGrain<IPaymentMethodsGrain>(user.CustomerId()!).SetDefault(methodId), StatusCodes.Status200OK))
            .WithName("SetDefaultPaymentMethod")
            .WithSummary("Makes a payment method the default (what `vbi fund` pays with).")
            .Produces<PaymentMethodJson>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> AddAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains)
    {
        var key = context.Request.Headers[MeterEndpoints.IdempotencyHeader].ToString();
        if (key.Length > MaxIdempotencyKeyLength || key.Any(char.IsControl))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the {MeterEndpoints.IdempotencyHeader} header is 1 to {MaxIdempotencyKeyLength} printable characters").ToResult();
        var body = await ApiBody.ReadJsonAsync<AddPaymentMethodRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var request = body.Value!;
        if ((request.Card is null) == (request.Bank is null))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "give exactly one of card or bank").ToResult();
        var requestKey = key.Length > 0 ? key : "nokey-" + Guid.NewGuid().ToString("N");
        var methods = grains.GetGrain<IPaymentMethodsGrain>(user.CustomerId()!);

        if (request.Card is { } card)
        {
            if (string.IsNullOrEmpty(card.Token)) return Missing("card.token");
            return Answer(await methods.AddCard(card.Token, requestKey), StatusCodes.Status201Created, context);
        }

        var bank = request.Bank!;
        if (bank.RoutingNumber is null) return Missing("bank.routingNumber");
        if (bank.AccountNumber is null) return Missing("bank.accountNumber");
        if (bank.HolderName is null) return Missing("bank.holderName");
        BankAccountType type;
        switch (bank.AccountType?.ToLowerInvariant())
        {
            case null or "checking": type = BankAccountType.Checking; break;
            case "savings": type = BankAccountType.Savings; break;
            default:
                return ApiResponse.Problem(ErrorCode.ValidationFailed, "bank.accountType is checking or savings",
                    new Dictionary<string, object?> { ["field"] = "bank.accountType" }).ToResult();
        }
        var acceptance = new AchAuthorizationAcceptance(bank.Authorization?.Accepted == true, bank.Authorization?.TextVersion,
            context.Connection.RemoteIpAddress?.ToString() ?? "unknown", user.Actor());
        var input = new BankAccountInput(bank.RoutingNumber, bank.AccountNumber, type, bank.HolderName, acceptance);
        return Answer(await methods.AddBankAccount(input, requestKey), StatusCodes.Status201Created, context);
    }

    private static IResult Missing(string field) =>
        ApiResponse.Problem(ErrorCode.MalformedRequest, $"{field} is required", new Dictionary<string, object?> { ["field"] = field }).ToResult();

    private static IResult Answer(PaymentMethodResult result, int status, HttpContext? context = null)
    {
        if (!result.IsSuccess)
        {
            var extensions = result.DeclineCode is { } decline ? new Dictionary<string, object?> { ["declineCode"] = decline } : null;
            // A provider that did not answer is retried by the client after a short wait.
            var retryAfter = result.Error == ErrorCode.PaymentProviderUnavailable ? TimeSpan.FromSeconds(1) : (TimeSpan?)null;
            return ApiResponse.Problem(result.Error, result.Message!, extensions, retryAfter).ToResult();
        }
        if (result.Replayed && context is not null)
        {
            context.Response.Headers[MeterEndpoints.ReplayedHeader] = "true";
            status = StatusCodes.Status200OK;
        }
        return new ApiResponse(status, PaymentMethodJson.Of(result.Method!)).ToResult();
    }
}

public sealed record AddPaymentMethodRequest(CardMethodRequest? Card, BankMethodRequest? Bank);

/// <summary>A card as a payment provider token (<c>tok_…</c>) the client got by sending the card to the provider.</summary>
public sealed record CardMethodRequest(string? Token);

public sealed record BankMethodRequest(string? RoutingNumber, string? AccountNumber, string? AccountType, string? HolderName, AchAuthorizationRequest? Authorization);

public sealed record AchAuthorizationRequest(bool? Accepted, string? TextVersion);

public sealed record AchAuthorizationJson(string Version, string Text);

/// <summary>A payment method as shown: <c>kind</c> is <c>card</c> or <c>bankAccount</c>; never more than the last 4 digits.</summary>
public sealed record PaymentMethodJson(string Id, string Kind, string? Brand, string? BankName, string Last4, bool IsDefault, DateTimeOffset AddedAt,
    int? ExpMonth, int? ExpYear, string? AccountType, string? HolderName)
{
    public static PaymentMethodJson Of(PaymentMethodView m) => new(m.Id, m.Kind == PaymentMethodKind.Card ? "card" : "bankAccount", m.Brand, m.BankName, m.Last4,
        m.IsDefault, m.AddedAt, m.ExpMonth, m.ExpYear, m.AccountType?.ToString().ToLowerInvariant(), m.HolderName);
}
