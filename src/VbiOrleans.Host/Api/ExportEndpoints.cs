using System.Globalization;
using VbiOrleans.Abstractions.Export;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// The nightly export's reads of the transaction log (docs/export.md), for operators: a day's records reduced to their
/// allow-listed facts, and the meters' registers at the end of the day, a page at a time. The export runs outside the
/// silo (vbi-admin, the Azure Function) and reads the log only here, so it needs neither the log key nor the HSM.
/// </summary>
public static class ExportEndpoints
{
    public static void MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/v1/operator/export").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: nightly export");
        ops.MapGet("/{date}/transactions", async (string date, string? after, int? limit, IGrainFactory grains) =>
            {
                if (Invalid(date, limit, out var day) is { } problem) return problem;
                if (after is not null && !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    return Problems.Result(ErrorCode.ValidationFailed, "after is the next cursor of the previous page");
                return Results.Ok(await grains.GetGrain<IExportReaderGrain>(0).Transactions(day, after, limit ?? ExportReaderPage));
            })
            .WithName("ExportTransactions")
            .WithSummary("The day's transaction records (UTC date YYYY-MM-DD), allow-listed and pseudonymized, in log order: a page after the cursor.")
            .Produces<FactPage<TransactionFact>>();
        ops.MapGet("/{date}/meter-registers", async (string date, string? after, int? limit, IGrainFactory grains) =>
                Invalid(date, limit, out var day) ?? Results.Ok(await grains.GetGrain<IExportReaderGrain>(0).MeterRegisters(day, after, limit ?? ExportReaderPage)))
            .WithName("ExportMeterRegisters")
            .WithSummary("Every meter's registers at the end of the day (UTC date YYYY-MM-DD), in meter id order: a page after the meter id.")
            .Produces<FactPage<MeterRegistersFact>>();
    }

    private const int ExportReaderPage = 1000;

    private static IResult? Invalid(string date, int? limit, out DateOnly day)
    {
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
            return Problems.Result(ErrorCode.ValidationFailed, "the date is a UTC day: YYYY-MM-DD");
        return limit is < 1 or > 5000 ? Problems.Result(ErrorCode.ValidationFailed, "limit is 1 to 5000") : null;
    }
}
