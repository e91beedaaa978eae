using System.Security.Claims;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// Card money after the purchase (docs/commerce.md, "Chargebacks" and "Refunds paid out"): an operator runs the
/// dispute sweep now (its reminder runs it on its own) and sees a customer's disputed charges and refunds paid out
/// beside the customer's payments; a customer sees their refunds paid out. Operator routes are in the audit log.
/// </summary>
public static class CardMoneyEndpoints
{
    public static void MapCardMoneyEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/v1/operator").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: chargebacks and refunds");
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
        ops.MapGet("/customers/{customerId}/refunds", async (string customerId, IGrainFactory grains) =>
                Results.Ok(await grains.GetGrain<IRefundPayoutsGrain>(customerId).Payouts()))
            .WithName("CustomerRefundPayouts")
            .WithSummary("A customer's refunds of withdrawn postage paid out, newest first: status (Pending, Paid, Stuck), the card refunds, and why one is not paid.")
            .Produces<IReadOnlyList<RefundPayoutView>>();

        ops.MapPost("/card-settlements", async (string? through, IGrainFactory grains) =>
            {
                if (!DateOnly.TryParseExact(through, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
                    return Problems.Result(ErrorCode.ValidationFailed, "through is a day, YYYY-MM-DD");
                var run = await grains.GetGrain<ICardSettlementGrain>(0).Settle(day);
                return run.IsSuccess ? Results.Ok(run) : Problems.Result(run.Error, run.Message!);
            })
            .WithName("SettleCards")
            .WithSummary("Settles card clearing day by day through a day the processor has paid out: card-settled:{date} moves the day's card-clearing balance to cash, once per day.")
            .Produces<CardSettlementRun>();

        var me = app.MapGroup("/v1/customers/me").RequireAuthorization(ApiAuthentication.CustomerPolicy).WithTags("Refunds");
        me.MapGet("/refunds", async (ClaimsPrincipal user, IGrainFactory grains) =>
                ApiResponse.Ok(await grains.GetGrain<IRefundPayoutsGrain>(user.CustomerId()!).Payouts()).ToResult())
            .WithName("MyRefundPayouts")
            .WithSummary("The account's refunds of withdrawn postage, newest first: what each withdrawal paid back to which card charge, and its status.")
            .Produces<IReadOnlyList<RefundPayoutView>>();
    }
}
