using System.Globalization;
using VbiOrleans.Abstractions.Export;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// The nightly export's reads of the transaction log and the commerce store (docs/export.md), for operators: a day's
/// records reduced to their allow-listed facts, the meters' registers at the end of the day, and the day's purchases,
/// ledger postings and invoices, a page at a time. The export runs outside the
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
        ops.MapGet("/{date}/purchases", async (string date, string? after, int? limit, IGrainFactory grains) =>
                Invalid(date, limit, out var day) ?? Results.Ok(await grains.GetGrain<IExportReaderGrain>(0).Purchases(day, after, limit ?? ExportReaderPage)))
            .WithName("ExportPurchases")
            .WithSummary("The purchases written on the day (UTC date YYYY-MM-DD) as they stand now, allow-listed and pseudonymized: a page after the purchase id.")
            .Produces<FactPage<PurchaseFact>>();
        ops.MapGet("/{date}/ledger-postings", async (string date, string? after, int? limit, IGrainFactory grains) =>
            {
                if (Invalid(date, limit, out var day) is { } problem) return problem;
                if (after is not null && !IsLedgerCursor(after))
                    return Problems.Result(ErrorCode.ValidationFailed, "after is the next cursor of the previous page");
                return Results.Ok(await grains.GetGrain<IExportReaderGrain>(0).LedgerPostings(day, after, limit ?? ExportReaderPage));
            })
            .WithName("ExportLedgerPostings")
            .WithSummary("The postings of the ledger entries dated in the day (UTC date YYYY-MM-DD), allow-listed and pseudonymized: a page of entries after the cursor.")
            .Produces<FactPage<LedgerPostingFact>>();
        ops.MapGet("/{date}/invoices", async (string date, string? after, int? limit, IGrainFactory grains) =>
                Invalid(date, limit, out var day) ?? Results.Ok(await grains.GetGrain<IExportReaderGrain>(0).Invoices(day, after, limit ?? ExportReaderPage)))
            .WithName("ExportInvoices")
            .WithSummary("The invoices written on the day (UTC date YYYY-MM-DD) as they stand now, allow-listed and pseudonymized: a page after the cursor.")
            .Produces<FactPage<InvoiceFact>>();
    }

    private const int ExportReaderPage = 1000;

    /// <summary>A ledger page's cursor: the last entry's time in ticks, a colon, its id.</summary>
    private static bool IsLedgerCursor(string after)
    {
        var colon = after.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(after.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    private static IResult? Invalid(string date, int? limit, out DateOnly day)
    {
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
            return Problems.Result(ErrorCode.ValidationFailed, "the date is a UTC day: YYYY-MM-DD");
        return limit is < 1 or > 5000 ? Problems.Result(ErrorCode.ValidationFailed, "limit is 1 to 5000") : null;
    }
}
