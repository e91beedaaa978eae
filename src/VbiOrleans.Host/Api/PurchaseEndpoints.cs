using System.Security.Claims;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>The body of <c>POST /v1/purchases</c>: the meter, the amount in mills, and the payment method (the default when left out).</summary>
public sealed record PurchaseRequestBody(string? MeterId, long? AmountMills, string? PaymentMethodId);

/// <summary>A purchase as the customer sees it; its <c>id</c> is the payment reference of the PVD it pays for.</summary>
/// <remarks><c>chargeId</c> is the payment provider's charge (a card's), which the customer's bank statement and support refer to.</remarks>
public sealed record PurchaseBody(string Id, string MeterId, long AmountMills, string PaymentMethodId, string MethodKind, string Status,
    DateTimeOffset CreatedAt, long? PvdSequence, DateTimeOffset? SettledAt, string? ChargeId)
{
    public static PurchaseBody Of(PurchaseView p) => new(p.Id, p.MeterId, p.AmountMills, p.PaymentMethodId,
        p.MethodKind == PaymentMethodKind.Card ? "card" : "bankAccount", p.Status.ToString(), p.CreatedAt, p.PvdSequence, p.SettledAt, p.ChargeId);
}

/// <summary>
/// Buying postage (docs/commerce.md): <c>POST /v1/purchases</c> authorizes the amount on a payment method and answers the
/// purchase whose id the client's signed PVD carries as its payment reference. <c>Idempotency-Key</c> is required: the
/// purchase id is derived from it, so a retry (after a timeout, or a provider that did not answer) reaches the same
/// purchase and the same authorization.
/// </summary>
public static class PurchaseEndpoints
{
    public static void MapPurchaseEndpoints(this IEndpointRouteBuilder app)
    {
        var purchases = app.MapGroup("/v1/purchases").WithTags("Purchases").RequireAuthorization(ApiAuthentication.CustomerPolicy);

        purchases.MapPost("/", CreateAsync)
            .WithName("CreatePurchase")
            .WithSummary("Authorizes a postage purchase for one meter on a payment method (the default if none is named); the PVD that uses it must carry its id "
                + "and exactly its amount. Needs Idempotency-Key.")
            .Accepts<PurchaseRequestBody>("application/json")
            .Produces<PurchaseBody>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        purchases.MapGet("/{purchaseId}", async (string purchaseId, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                var view = PurchaseIds.IsWellFormed(purchaseId) ? await grains.GetGrain<IPurchaseGrain>(purchaseId).Get() : null;
                if (view is null || view.CustomerId != user.CustomerId())
                    return ApiResponse.Problem(ErrorCode.PurchaseNotFound, $"no purchase {purchaseId} in this account").ToResult();
                return ApiResponse.Ok(PurchaseBody.Of(view)).ToResult();
            })
            .WithName("GetPurchase")
            .WithSummary("A purchase: Authorized, Claimed (a PVD is using it), Settled (the PVD is durable and the payment captured), Released or Reversed.")
            .Produces<PurchaseBody>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains)
    {
        var key = context.Request.Headers[MeterEndpoints.IdempotencyHeader].ToString();
        if (key.Length is 0 or > 128 || key.Any(char.IsControl))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the {MeterEndpoints.IdempotencyHeader} header (1 to 128 printable characters) is required").ToResult();
        var body = await ApiBody.ReadJsonAsync<PurchaseRequestBody>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var request = body.Value!;
        if (request.MeterId is null || !MeterId.TryParse(request.MeterId, out _))
            return ApiResponse.Problem(ErrorCode.InvalidMeterId, $"'{request.MeterId}' is not a meter id").ToResult();
        if (!user.OwnsMeter(request.MeterId)) return ApiResponse.Problem(ErrorCode.MeterNotFound, $"no meter {request.MeterId} in this account").ToResult();
        if (request.AmountMills is not > 0) return ApiResponse.Problem(ErrorCode.InvalidAmount, "amountMills is a positive number of mills").ToResult();

        var customerId = user.CustomerId()!;
        var methodId = request.PaymentMethodId;
        if (string.IsNullOrEmpty(methodId))
        {
            var method = await grains.GetGrain<IPaymentMethodsGrain>(customerId).Default();
            if (method is null)
                return ApiResponse.Problem(ErrorCode.PaymentMethodNotFound, "the account has no payment method: add a card or a bank account first").ToResult();
            methodId = method.Id;
        }
        var result = await grains.GetGrain<IPurchaseGrain>(PurchaseIds.For(customerId, key))
            .Authorize(new PurchaseRequest(customerId, request.MeterId, request.AmountMills.Value, methodId, key));
        if (!result.IsSuccess) return ApiResponse.Problem(result.Error, result.Message!).ToResult();
        return ApiResponse.Created(PurchaseBody.Of(result.Purchase!)).ToResult();
    }
}
