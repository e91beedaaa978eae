using System.Security.Claims;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

public sealed record CareMoneyBody(long? AmountMills, string? Reason, string? IdempotencyKey, string? Reference);

public sealed record LockBody(string? Reason);

/// <summary>Lifts a lock: why (for the log), and which lock: <c>kind</c> (operator, achReturned, invoiceUnpaid, chargeback; default operator) and <c>reference</c> (default customer care's own).</summary>
public sealed record UnlockBody(string? Reason, string? Kind, string? Reference);

/// <summary>A credit or fee refund: the ledger entry, and whether the key had posted it before.</summary>
public sealed record CareEntryView(LedgerEntry Entry, bool AlreadyPosted);

/// <summary>A lock as the customer sees it: why (the kind), what it refers to, since when; never customer care's notes.</summary>
public sealed record CustomerLockView(string Reason, string Reference, DateTimeOffset Since)
{
    public static IReadOnlyList<CustomerLockView> Of(AccountStanding standing) =>
        [.. standing.Locks.Select(l => new CustomerLockView(CustomerCareEndpoints.KindName(l.Reason), l.Reference, l.At))];
}

/// <summary>
/// Customer care (docs/commerce.md, "Customer care"): credits and fee refunds posted to the ledger with a reason, lock
/// and unlock, a customer's standing and payments. Operator only; every request is in the operator audit log (the
/// middleware audits every /v1/operator route), and the ledger entry keeps the operator's name and the reason.
/// </summary>
public static class CustomerCareEndpoints
{
    public static void MapCustomerCareEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/v1/operator/customers/{customerId}").RequireAuthorization(OperatorAuthenticationHandler.Policy)
            .WithTags("Operators: customer care");

        ops.MapPost("/credits", (string customerId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                PostMoneyAsync(customerId, context, user, grains, (care, request) => care.Credit(request)))
            .WithName("CreditCustomer")
            .WithSummary("A credit against later fees {amountMills, reason, idempotencyKey}: DR fee-revenue, CR customer-credit:{customer}. 201 when posted, 200 when the key posted it before.")
            .Accepts<CareMoneyBody>("application/json")
            .Produces<CareEntryView>(StatusCodes.Status201Created);

        ops.MapPost("/fee-refunds", (string customerId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                PostMoneyAsync(customerId, context, user, grains, (care, request) => care.RefundFee(request)))
            .WithName("RefundFee")
            .WithSummary("A fee refunded to the customer's credit {amountMills, reason, idempotencyKey, reference?}: DR fee-revenue, CR customer-credit:{customer}.")
            .Accepts<CareMoneyBody>("application/json")
            .Produces<CareEntryView>(StatusCodes.Status201Created);

        ops.MapPost("/lock", async (string customerId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (!CustomerIds.IsValid(customerId)) return NoSuchCustomer(customerId);
                var body = await ApiBody.ReadJsonAsync<LockBody>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                return Standing(await grains.GetGrain<ICustomerCareGrain>(customerId).Lock(body.Value!.Reason!, user.Identity!.Name!));
            })
            .WithName("LockCustomer")
            .WithSummary("Locks the account's new postage value downloads by customer care {reason}; the reason is an operator note the customer does not see.")
            .Accepts<LockBody>("application/json")
            .Produces<AccountStanding>();

        ops.MapPost("/unlock", async (string customerId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (!CustomerIds.IsValid(customerId)) return NoSuchCustomer(customerId);
                var body = await ApiBody.ReadJsonAsync<UnlockBody>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                var request = body.Value!;
                if (ParseKind(request.Kind) is not { } kind)
                    return Problems.Result(ErrorCode.LockKindUnknown, "kind is operator, achReturned, invoiceUnpaid or chargeback");
                var reference = request.Reference ?? (kind == AccountLockReason.Operator ? ICustomerCareGrain.OperatorLockReference : null);
                if (reference is null) return Problems.Result(ErrorCode.ValidationFailed, "reference names the lock to lift (the returned debit's trace, the invoice, the dispute)");
                return Standing(await grains.GetGrain<ICustomerCareGrain>(customerId).Unlock(kind, reference, request.Reason!, user.Identity!.Name!));
            })
            .WithName("UnlockCustomer")
            .WithSummary("Lifts one lock {reason, kind?, reference?}: customer care's own by default, or the lock of that kind and reference (an ACH return paid by other means).")
            .Accepts<UnlockBody>("application/json")
            .Produces<AccountStanding>();

        ops.MapGet("/standing", async (string customerId, IGrainFactory grains) =>
                CustomerIds.IsValid(customerId) ? Standing(await grains.GetGrain<ICustomerCareGrain>(customerId).Standing()) : NoSuchCustomer(customerId))
            .WithName("CustomerStanding")
            .WithSummary("The account's locks with their kinds, references, operator notes, who and when.")
            .Produces<AccountStanding>();

        ops.MapGet("/payments", async (string customerId, string? from, string? to, string? limit, IGrainFactory grains, TimeProvider clock) =>
            {
                if (!CustomerIds.IsValid(customerId)) return NoSuchCustomer(customerId);
                var query = LedgerEndpoints.Query.Parse(customerId, from, to, limit, clock);
                if (query.Problem is not null) return Problems.Result(ErrorCode.LedgerQueryInvalid, query.Problem);
                var payments = await grains.GetGrain<ICustomerCareGrain>(customerId).Payments(query.From, query.To, query.Limit);
                return payments.IsSuccess
                    ? Results.Ok(new LedgerEntriesView(customerId, query.From, query.To, payments.Entries))
                    : Problems.Result(payments.Error, payments.Message!);
            })
            .WithName("CustomerPayments")
            .WithSummary("The customer's ledger entries (PVDs and how they were paid, prints, refunds, withdrawals, credits, fee refunds), oldest first; from, to, limit as for /v1/operator/ledger/entries.")
            .Produces<LedgerEntriesView>();
    }

    private static async Task<IResult> PostMoneyAsync(string customerId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains,
        Func<ICustomerCareGrain, CareMoneyRequest, Task<CareResult>> action)
    {
        if (!CustomerIds.IsValid(customerId)) return NoSuchCustomer(customerId);
        var body = await ApiBody.ReadJsonAsync<CareMoneyBody>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var b = body.Value!;
        if (b.AmountMills is null) return Problems.Result(ErrorCode.CareAmountInvalid, "amountMills is required");
        var result = await action(grains.GetGrain<ICustomerCareGrain>(customerId),
            new CareMoneyRequest(b.AmountMills.Value, b.Reason ?? "", b.IdempotencyKey ?? "", user.Identity!.Name!, b.Reference));
        if (!result.IsSuccess) return Problems.Result(result.Error, result.Message!);
        var view = new CareEntryView(result.Entry!, result.AlreadyPosted);
        return result.AlreadyPosted ? Results.Ok(view) : Results.Json(view, statusCode: StatusCodes.Status201Created);
    }

    private static IResult Standing(CareResult result) => result.IsSuccess ? Results.Ok(result.Standing) : Problems.Result(result.Error, result.Message!);

    private static IResult NoSuchCustomer(string customerId) => Problems.Result(ErrorCode.NotFound, $"customer {customerId} does not exist");

    private static AccountLockReason? ParseKind(string? kind) => kind switch
    {
        null or "operator" => AccountLockReason.Operator,
        "achReturned" => AccountLockReason.AchReturned,
        "invoiceUnpaid" => AccountLockReason.InvoiceUnpaid,
        "chargeback" => AccountLockReason.Chargeback,
        _ => null,
    };

    /// <summary>The API's name of a lock kind (the same words <c>kind</c> takes on unlock).</summary>
    public static string KindName(AccountLockReason reason) => reason switch
    {
        AccountLockReason.AchReturned => "achReturned",
        AccountLockReason.InvoiceUnpaid => "invoiceUnpaid",
        AccountLockReason.Chargeback => "chargeback",
        _ => "operator",
    };
}
