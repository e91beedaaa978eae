using System.Globalization;
using System.Security.Claims;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

public sealed record ProviderRunRequest(string? Date, string? Service);

public sealed record TaxIdRequest(string? TaxId);

/// <summary>A day's provider file as operators see it (docs/provider-files.md): state is pending, built, signed, archived, uploaded or verified.</summary>
public sealed record ProviderFileItem(string Service, string Date, string State, string? FileName, long? Size, string? Sha256, int Attempts,
    string? LastError, DateTimeOffset? LastAttemptAt, DateTimeOffset? TransferredAt, string? RemotePath, string? ArchivePath, int Runs,
    long? RemittedMills, long? CarriedMills, string? LedgerEntryId)
{
    public static ProviderFileItem Of(ProviderFileView v) => new(v.Service, v.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        v.State.ToString().ToLowerInvariant(), v.FileName, v.Size, v.Sha256, v.Attempts, v.LastError, v.LastAttemptAt, v.TransferredAt, v.RemotePath,
        v.ArchivePath, v.Runs, v.RemittedMills, v.CarriedMills, v.LedgerEntryId);
}

public sealed record ProviderFilesResponse(IReadOnlyList<ProviderFileItem> Files);

/// <summary>
/// The provider services (docs/provider-files.md): their files for operators, a day run at once, the provider's
/// certificate for anyone verifying a file's signature, and the customer's tax id for licence applications.
/// </summary>
public static class ProviderEndpoints
{
    public const int DefaultFilesLimit = 31;
    public const int MaxFilesLimit = 400;

    public static void MapProviderEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/certificates/provider", async (IGrainFactory grains) =>
                IndiciumEndpoints.Pem(await grains.GetGrain<IProviderCertificateGrain>(0).Certificate(), "provider.pem"))
            .WithTags("Indicia: verification and certificates")
            .WithName("ProviderCertificate")
            .WithSummary("The provider's certificate (PEM), issued by the postal CA: its public key verifies the detached signature (.sig) of every provider file.");

        app.MapPut("/v1/customers/me/tax-id", async (HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (user.PartnerId() is not null) return ApiResponse.Problem(ErrorCode.Forbidden, "only the customer sets the account's tax id").ToResult();
                var body = await ApiBody.ReadJsonAsync<TaxIdRequest>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                string? taxId = null;
                if (body.Value!.TaxId is { } given)
                {
                    taxId = NormalizeTaxId(given);
                    if (taxId is null) return ApiResponse.Problem(ErrorCode.InvalidTaxId, "a tax id is an EIN (12-3456789) or an SSN (123-45-6789)").ToResult();
                }
                var result = await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).SetTaxId(taxId);
                return (result.IsSuccess ? ApiResponse.Ok(CustomerProfile.Of(result.Customer!)) : ApiResponse.Problem(result.Error, result.Message!)).ToResult();
            })
            .RequireAuthorization(ApiAuthentication.CustomerPolicy)
            .WithTags("Customers")
            .WithName("SetTaxId")
            .WithSummary("Sets the account's tax id (EIN or SSN), kept encrypted and sent to the postal authority only in licence applications, "
                + "encrypted to its key. {\"taxId\": null} removes it. The id is never shown again (the profile says hasTaxId).")
            .Accepts<TaxIdRequest>("application/json")
            .Produces<CustomerProfile>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        var group = app.MapGroup("/v1/operator/provider").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: provider files");

        group.MapGet("/files", async (string? service, int? limit, IGrainFactory grains) =>
            {
                if (service is not null && !ProviderServices.IsRunning(service)) return UnknownService(service);
                if (limit is < 1 or > MaxFilesLimit) return Problems.Result(ErrorCode.ValidationFailed, $"limit is 1 to {MaxFilesLimit}");
                var files = new List<ProviderFileItem>();
                foreach (var name in service is null ? ProviderServices.Running : [service])
                    files.AddRange((await grains.GetGrain<IProviderServiceGrain>(name).Files(limit ?? DefaultFilesLimit)).Select(ProviderFileItem.Of));
                return Results.Ok(new ProviderFilesResponse(files));
            })
            .WithName("ProviderFiles")
            .WithSummary("Each service's files, newest day first: state, transfer attempts, size, SHA-256, when it was verified at the postal authority, the last error.")
            .Produces<ProviderFilesResponse>();

        group.MapPost("/runs", async (ProviderRunRequest request, IGrainFactory grains, ProviderRunWindow window, TimeProvider clock,
                ClaimsPrincipal user, ILoggerFactory logs) =>
                (await RunDayAsync(grains, window, clock, logs, user.Identity!.Name!, request)).ToResult())
            .WithName("RunProviderDay")
            .WithSummary("Runs (or runs again) a closed business day's files at once: the same bytes as before, and no second upload of another file. "
                + "A transfer that fails leaves the day pending: its reminder tries again.")
            .Produces<ProviderFilesResponse>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        app.MapGet("/v1/operator/reconciliation", async (string? date, IGrainFactory grains) =>
            {
                if (date is null || !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    return Problems.Result(ErrorCode.ValidationFailed, "date is required: the business day, YYYY-MM-DD (UTC)");
                var report = await grains.GetGrain<IReconciliationGrain>(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Report();
                return report is null
                    ? Problems.Result(ErrorCode.ReconciliationNotFound, $"{date} has no reconciliation yet: it runs once every provider file of the day is verified")
                    : Results.Ok(report);
            })
            .RequireAuthorization(OperatorAuthenticationHandler.Policy)
            .WithTags("Operators: provider files")
            .WithName("DailyReconciliation")
            .WithSummary("The day's reconciliation as last run: the log's, the resetting file's and the ledger's PVDs, refunds and withdrawals, the remittance "
                + "against remittance payable, each meter's registers at the close; every difference named (check, meter, customer, expected and found mills).")
            .Produces<DailyReconciliationReport>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>
    /// Runs (or runs again) a closed business day's files of one service or all, for an operator: the API's and the
    /// portal's one way. A <see cref="ProviderFilesResponse"/>, or the problem; a line of the <c>VbiOrleans.Audit</c> log.
    /// </summary>
    public static async Task<ApiResponse> RunDayAsync(IGrainFactory grains, ProviderRunWindow window, TimeProvider clock, ILoggerFactory logs,
        string operatorName, ProviderRunRequest request)
    {
        if (request.Date is null || !DateOnly.TryParseExact(request.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "date is required: the business day to run, YYYY-MM-DD (UTC)");
        if (request.Service is not null && !ProviderServices.IsRunning(request.Service)) return UnknownServiceProblem(request.Service);
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (!ProviderSchedule.IsClosed(day, now, window.RunAt) && !(window.AllowOpenDay && day <= today))
            return ApiResponse.Problem(ErrorCode.ProviderDayNotClosed,
                $"{request.Date} is not closed yet: a day closes at {window.RunAt:hh\\:mm} UTC the day after (Vbi:Provider:RunAt)");
        logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} runs the provider's {Services} files of {Day}",
            operatorName, request.Service ?? "all", request.Date);
        var files = new List<ProviderFileItem>();
        foreach (var name in request.Service is null ? ProviderServices.Running : [request.Service])
            files.Add(ProviderFileItem.Of(await grains.GetGrain<IProviderServiceGrain>(name).Run(day)));
        return ApiResponse.Ok(new ProviderFilesResponse(files));
    }

    private static IResult UnknownService(string service) => UnknownServiceProblem(service).ToResult();

    private static ApiResponse UnknownServiceProblem(string service) => ApiResponse.Problem(ErrorCode.UnknownProviderService,
        $"no provider service '{service}' runs here; the services are {string.Join(", ", ProviderServices.Running)}");

    /// <summary>The 9 digits of an EIN (12-3456789) or an SSN (123-45-6789), dashes as written or none; null for anything else.</summary>
    public static string? NormalizeTaxId(string value)
    {
        var v = value.Trim();
        var shaped = v.Length == 9 || (v.Length == 10 && v[2] == '-') || (v.Length == 11 && v[3] == '-' && v[6] == '-');
        var digits = new string([.. v.Where(char.IsAsciiDigit)]);
        return shaped && digits.Length == 9 && v.All(c => char.IsAsciiDigit(c) || c == '-') ? digits : null;
    }
}
