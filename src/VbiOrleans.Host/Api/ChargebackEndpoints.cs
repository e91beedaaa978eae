using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// Chargebacks (docs/commerce.md, "Chargebacks"): an operator runs the dispute sweep now (its reminder runs it on its
/// own) and sees a customer's disputed charges beside the customer's payments. Operator only, in the audit log.
/// </summary>
public static class ChargebackEndpoints
{
    public static void MapChargebackEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/v1/operator").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: chargebacks");
        ops.MapPost("/chargebacks/sweep", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<IChargebackGrain>(0).Sweep()))
            .WithName("SweepDisputes")
            .WithSummary("Sweeps the captured card charges for disputes now: each new one is posted (chargeback:{dispute}), the account locked and the purchase reversed, once.")
            .Produces<DisputeSweepResult>();
        ops.MapGet("/customers/{customerId}/chargebacks", async (string customerId, int? limit, IGrainFactory grains) =>
            {
                if (limit is < 1 or > 1000) return Problems.Result(ErrorCode.ValidationFailed, "limit is 1 to 1000");
                return Results.Ok(await grains.GetGrain<IChargebackGrain>(0).Chargebacks(customerId, limit ?? 100));
            })
            .WithName("CustomerChargebacks")
            .WithSummary("A customer's disputed card charges, newest first: the charge, what it paid for, the dispute, its amount and reason, and whether its effects are applied.")
            .Produces<IReadOnlyList<ChargebackView>>();
    }
}
