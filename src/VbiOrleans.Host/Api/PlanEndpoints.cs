using System.Security.Claims;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Plans;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>A plan of the catalogue as the API shows it.</summary>
public sealed record PlanView(string Id, string Name, long MonthlyFeeMills, string MonthlyFee, long LabelFeeMills, string LabelFee, int IncludedLabels, int TrialDays)
{
    public static PlanView Of(Plan p) => new(p.Id, p.Name, p.MonthlyFeeMills, new Mills(p.MonthlyFeeMills).ToDollarsAndCents(), p.LabelFeeMills,
        new Mills(p.LabelFeeMills).ToDollarsAndCents(), p.IncludedLabels, p.TrialDays);
}

/// <summary>The body of PUT /v1/customers/me/plan.</summary>
public sealed record ChoosePlanRequest(string? Plan);

/// <summary>A customer's plan: the plan in effect, the trial, this month's labels, the history, and what a change posted.</summary>
public sealed record CustomerPlanResponse(string? Plan, DateTimeOffset? Since, DateTimeOffset? TrialEndsAt, string Month, long LabelsThisMonth,
    IReadOnlyList<PlanChoiceView> History, IReadOnlyList<PlanFeePosting> Posted);

/// <summary>An invoice as the API shows it (amounts in mills and in dollars).</summary>
public sealed record InvoiceResponse(string Number, string CustomerId, string Month, DateTimeOffset IssuedAt, IReadOnlyList<InvoiceLineView> Lines,
    long SubtotalMills, long CreditAppliedMills, long TotalMills, string Total, string Status, int CollectionAttempts, string? LastFailure,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? PaidAt, DateTimeOffset? MailedAt)
{
    public static InvoiceResponse Of(InvoiceView i) => new(i.Number, i.CustomerId, i.Month, i.IssuedAt, i.Lines, i.SubtotalMills, i.CreditAppliedMills,
        i.TotalMills, new Mills(i.TotalMills).ToDollarsAndCents(), i.Status.ToString().ToLowerInvariant(), i.CollectionAttempts, i.LastFailure, i.NextAttemptAt,
        i.PaidAt, i.MailedAt);
}

/// <summary>The result of an invoice run.</summary>
public sealed record InvoiceRunResponse(string Month, IReadOnlyList<InvoiceResponse> Invoices);

/// <summary>
/// Pricing plans and invoices (docs/commerce.md, "Plans, fees and invoices"): the public catalogue, a customer's plan
/// and invoices, and the operator's invoice run and view of a customer's invoices. Each endpoint makes one grain call.
/// </summary>
public static class PlanEndpoints
{
    /// <summary>The longest invoice number: <c>inv-YYYYMM-</c> and a customer id.</summary>
    private const int MaxInvoiceNumber = 100;

    public static void MapPlanEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/plans", (PlanCatalogue catalogue) => Results.Ok(catalogue.Plans.Select(PlanView.Of).ToList()))
            .AllowAnonymous()
            .WithTags("Plans and invoices")
            .WithName("ListPlans")
            .WithSummary("The pricing plans: monthly fee, fee per label beyond the labels included each month, free trial days.")
            .Produces<List<PlanView>>();

        var customers = app.MapGroup("/v1").WithTags("Plans and invoices").RequireAuthorization(ApiAuthentication.CustomerPolicy);
        customers.MapGet("/customers/me/plan", async (ClaimsPrincipal user, IGrainFactory grains) =>
                Results.Ok(Response(await grains.GetGrain<ICustomerPlanGrain>(user.CustomerId()!).Get(), [])))
            .WithName("GetPlan")
            .WithSummary("The account's plan, its trial's end, the labels counted this month and the history of changes.")
            .Produces<CustomerPlanResponse>();

        customers.MapPut("/customers/me/plan", async (HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                var body = await ApiBody.ReadJsonAsync<ChoosePlanRequest>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                if (string.IsNullOrWhiteSpace(body.Value!.Plan)) return ApiResponse.Problem(ErrorCode.ValidationFailed, "plan is required").ToResult();
                var result = await grains.GetGrain<ICustomerPlanGrain>(user.CustomerId()!).Choose(body.Value.Plan);
                return (result.IsSuccess ? ApiResponse.Ok(Response(result.Plan!, result.Posted)) : ApiResponse.Problem(result.Error, result.Message!)).ToResult();
            })
            .WithName("ChoosePlan")
            .WithSummary("Chooses a plan from now on. The month's plan fee is prorated by the second between the plans; the part the change closes is posted "
                + "at once. Choosing the plan in effect changes nothing (so a retry is harmless).")
            .Accepts<ChoosePlanRequest>("application/json")
            .Produces<CustomerPlanResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        customers.MapGet("/invoices", async (ClaimsPrincipal user, IGrainFactory grains) =>
                Results.Ok(await ListAsync(grains, user.CustomerId()!)))
            .WithName("ListInvoices")
            .WithSummary("The account's invoices, newest first.")
            .Produces<List<InvoiceResponse>>();

        customers.MapGet("/invoices/{number}", async (string number, string? format, ClaimsPrincipal user, IGrainFactory grains) =>
                await GetAsync(grains, user.CustomerId()!, number, format))
            .WithName("GetInvoice")
            .WithSummary("One invoice as JSON; /v1/invoices/{number}.pdf or ?format=pdf answers with its PDF.")
            .Produces<InvoiceResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        var operators = app.MapGroup("/v1/operator").WithTags("Operators: plans and invoices").RequireAuthorization(OperatorAuthenticationHandler.Policy);
        operators.MapPost("/invoices/run", async (string? month, IGrainFactory grains) =>
            {
                if (!BillingMonth.TryParse(month, out _)) return ApiResponse.Problem(ErrorCode.InvalidBillingMonth, "month is YYYY-MM").ToResult();
                var result = await grains.GetGrain<IInvoiceRunGrain>(0).Run(month!);
                return result.IsSuccess
                    ? Results.Ok(new InvoiceRunResponse(result.Month, [.. result.Invoices.Select(InvoiceResponse.Of)]))
                    : ApiResponse.Problem(result.Error, result.Message!).ToResult();
            })
            .WithName("RunInvoices")
            .WithSummary("Runs a month's invoices by hand (the reminder runs each month after it ends): plan fees closed, an invoice for every customer with "
                + "fees, each e-mailed once and collected. Running a month again issues and mails nothing twice.")
            .Produces<InvoiceRunResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        operators.MapGet("/customers/{customerId}/invoices", async (string customerId, IGrainFactory grains) =>
                Results.Ok(await ListAsync(grains, customerId)))
            .WithName("OperatorListInvoices")
            .WithSummary("A customer's invoices, newest first, with their collection attempts.")
            .Produces<List<InvoiceResponse>>();
    }

    private static CustomerPlanResponse Response(CustomerPlanView v, IReadOnlyList<PlanFeePosting> posted) =>
        new(v.PlanId, v.Since, v.TrialEndsAt, v.Month, v.LabelsThisMonth, v.History, posted);

    internal static async Task<List<InvoiceResponse>> ListAsync(IGrainFactory grains, string customerId)
    {
        var numbers = await grains.GetGrain<ICustomerPlanGrain>(customerId).Invoices();
        var invoices = await Task.WhenAll(numbers.Select(n => grains.GetGrain<IInvoiceGrain>(n).Get()));
        return [.. invoices.OfType<InvoiceView>().Select(InvoiceResponse.Of)];
    }

    /// <summary>
    /// The customer's invoice of that number, or null: another customer's invoice is answered as none (the number names
    /// its customer, and only theirs is shown).
    /// </summary>
    public static async Task<InvoiceView?> FindAsync(IGrainFactory grains, string customerId, string number)
    {
        var invoice = number.Length <= MaxInvoiceNumber && number.StartsWith("inv-", StringComparison.Ordinal)
            ? await grains.GetGrain<IInvoiceGrain>(number).Get() : null;
        return invoice is not null && invoice.CustomerId == customerId ? invoice : null;
    }

    private static async Task<IResult> GetAsync(IGrainFactory grains, string customerId, string number, string? format)
    {
        if (number.EndsWith(".pdf", StringComparison.Ordinal))
        {
            number = number[..^4];
            format ??= "pdf";
        }
        if (format is not (null or "json" or "pdf")) return ApiResponse.Problem(ErrorCode.ValidationFailed, "format is json or pdf").ToResult();
        var invoice = await FindAsync(grains, customerId, number);
        if (invoice is null) return ApiResponse.Problem(ErrorCode.InvoiceNotFound, $"the account has no invoice {number}").ToResult();
        if (format != "pdf") return Results.Ok(InvoiceResponse.Of(invoice));
        var pdf = await grains.GetGrain<IInvoiceGrain>(number).Pdf();
        return Results.File(pdf!, "application/pdf", $"{number}.pdf");
    }
}
