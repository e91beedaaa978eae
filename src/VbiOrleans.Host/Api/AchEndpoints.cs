using System.Globalization;
using System.Security.Claims;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// ACH (docs/commerce.md, "ACH debits and the NACHA files"). Operators run a day's NACHA file by hand, send in a
/// return file, and see the files of a day and a customer's debits; the daily job does the same runs on its own.
/// Customers see their debits and pay a returned one by card, which lifts that return's lock.
/// </summary>
public static class AchEndpoints
{
    /// <summary>The largest return file the endpoint reads; the grain has its own bound (Vbi:Ach:MaxReturnFileBytes).</summary>
    public const int MaxReturnFileBytes = 1 << 20;

    public static void MapAchEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/v1/operator/ach").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: ACH");
        ops.MapPost("/files", async (string? date, IGrainFactory grains) =>
            {
                if (!TryParseDate(date, out var day))
                    return Problems.Result(ErrorCode.AchFileDateInvalid, "date is a day, YYYY-MM-DD");
                var run = await grains.GetGrain<IAchOriginationGrain>(0).RunDay(day);
                return run.IsSuccess ? Results.Ok(run) : Problems.Result(run.Error, run.Message!);
            })
            .WithName("RunAchDay")
            .WithSummary("Runs a day of ACH: makes the day's NACHA file of queued debits in the archive (once; again answers the same file), settles debits past their window, reads waiting return files.")
            .Produces<AchDayRun>();
        ops.MapGet("/files", async (string? date, int? limit, IGrainFactory grains) =>
            {
                DateOnly? day = null;
                if (date is not null)
                {
                    if (!TryParseDate(date, out var d)) return Problems.Result(ErrorCode.AchFileDateInvalid, "date is a day, YYYY-MM-DD");
                    day = d;
                }
                if (limit is < 1 or > 1000) return Problems.Result(ErrorCode.ValidationFailed, "limit is 1 to 1000");
                return Results.Ok(await grains.GetGrain<IAchOriginationGrain>(0).Files(day, limit ?? 100));
            })
            .WithName("AchFiles")
            .WithSummary("The NACHA file of a day (or the latest files): archive name, entries, total, entry hash, SHA-256 and trace numbers.")
            .Produces<IReadOnlyList<AchFileView>>();
        ops.MapPost("/returns", async (HttpRequest request, IGrainFactory grains) =>
            {
                if (request.ContentLength > MaxReturnFileBytes) return Problems.Result(ErrorCode.RequestTooLarge, $"a return file is at most {MaxReturnFileBytes} bytes");
                using var buffer = new MemoryStream();
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await request.Body.ReadAsync(chunk)) > 0)
                {
                    if (buffer.Length + read > MaxReturnFileBytes) return Problems.Result(ErrorCode.RequestTooLarge, $"a return file is at most {MaxReturnFileBytes} bytes");
                    buffer.Write(chunk, 0, read);
                }
                var applied = await grains.GetGrain<IAchOriginationGrain>(0).ApplyReturns(buffer.ToArray());
                return applied.IsSuccess ? Results.Ok(applied) : Problems.Result(applied.Error, applied.Message!);
            })
            .WithName("ApplyAchReturns")
            .WithSummary("Reads a NACHA return file (the body, as sent by the ODFI): each return is matched to its debit by the original trace number, the debit returned, reversed in the ledger and the customer locked; unknown and duplicate traces are reported, never applied twice.")
            .Produces<AchReturnsApplied>();
        ops.MapGet("/debits", async (string? customer, int? limit, IGrainFactory grains) =>
            {
                if (string.IsNullOrWhiteSpace(customer)) return Problems.Result(ErrorCode.ValidationFailed, "customer is required");
                if (limit is < 1 or > 1000) return Problems.Result(ErrorCode.ValidationFailed, "limit is 1 to 1000");
                return Results.Ok(await grains.GetGrain<IAchOriginationGrain>(0).Debits(customer, limit ?? 100));
            })
            .WithName("AchDebits")
            .WithSummary("A customer's ACH debits, newest first: status (queued, sent, settled, returned), trace number, file, return code.")
            .Produces<IReadOnlyList<AchDebitView>>();
    }

    public static void MapAchCustomerEndpoints(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/v1/customers/me").RequireAuthorization(ApiAuthentication.CustomerPolicy).WithTags("ACH debits");
        me.MapGet("/ach-debits", async (ClaimsPrincipal user, IGrainFactory grains) =>
                ApiResponse.Ok(await grains.GetGrain<IAchOriginationGrain>(0).Debits(user.CustomerId()!, 100)).ToResult())
            .WithName("MyAchDebits")
            .WithSummary("The account's ACH debits, newest first: status (Queued, Sent, Settled, Returned), trace number, return code, and when a return was paid.")
            .Produces<IReadOnlyList<AchDebitView>>();
        me.MapPost("/ach-returns/{trace}/pay", async (string trace, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                var body = await ApiBody.ReadJsonAsync<PayAchReturnRequest>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                if (string.IsNullOrWhiteSpace(body.Value!.PaymentMethodId))
                    return ApiResponse.Problem(ErrorCode.MalformedRequest, "paymentMethodId is required").ToResult();
                if (trace.Length != 15 || !trace.All(char.IsAsciiDigit))
                    return ApiResponse.Problem(ErrorCode.AchTraceUnknown, "a trace number is 15 digits").ToResult();
                var paid = await grains.GetGrain<IAchOriginationGrain>(0).PayReturn(user.CustomerId()!, trace, body.Value.PaymentMethodId);
                return (paid.IsSuccess ? ApiResponse.Ok(paid.Debit!) : ApiResponse.Problem(paid.Error, paid.Message!)).ToResult();
            })
            .WithName("PayAchReturn")
            .WithSummary("Pays a returned ACH debit with one of the account's cards {paymentMethodId}: charged and captured at once, booked, and the lock for this return lifted. Paying again answers the same debit.")
            .Accepts<PayAchReturnRequest>("application/json")
            .Produces<AchDebitView>()
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}

public sealed record PayAchReturnRequest(string? PaymentMethodId);
