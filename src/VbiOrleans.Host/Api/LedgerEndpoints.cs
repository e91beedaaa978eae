using System.Globalization;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>One account in the trial balance: its debits, credits and balance (debits minus credits), in mills.</summary>
public sealed record TrialBalanceAccountView(string Account, long DebitMills, long CreditMills, long BalanceMills);

/// <summary>Every account, the totals, and whether debits equal credits (I7).</summary>
public sealed record TrialBalanceView(IReadOnlyList<TrialBalanceAccountView> Accounts, long TotalDebitMills, long TotalCreditMills, bool Balances)
{
    public static TrialBalanceView Of(TrialBalance t) => new(
        [.. t.Accounts.Select(a => new TrialBalanceAccountView(a.Account, a.DebitMills, a.CreditMills, a.DebitMills - a.CreditMills))],
        t.TotalDebitMills, t.TotalCreditMills, t.Balances);
}

/// <summary>A customer's ledger entries, oldest first.</summary>
public sealed record LedgerEntriesView(string CustomerId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<LedgerEntry> Entries);

/// <summary>
/// The ledger for operators (docs/commerce.md, "The ledger"): the trial balance, a customer's entries, and the
/// postage-funds reconciliation (L1). Operator only, and audited like every /v1/operator route.
/// </summary>
public static class LedgerEndpoints
{
    /// <summary>Entries one request returns when it names no limit.</summary>
    public const int DefaultLimit = 100;

    public static void MapLedgerEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/v1/operator").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: ledger and reconciliation");

        ops.MapGet("/ledger/trial-balance", async (IGrainFactory grains) => Results.Ok(TrialBalanceView.Of(await grains.GetGrain<ILedgerGrain>(0).TrialBalance())))
            .WithName("TrialBalance")
            .WithSummary("Every ledger account's debits and credits, the totals, and whether they balance (debits equal credits).")
            .Produces<TrialBalanceView>();

        ops.MapGet("/ledger/entries", async (string? customer, string? from, string? to, string? limit, IGrainFactory grains, TimeProvider clock) =>
            {
                var query = Query.Parse(customer, from, to, limit, clock);
                if (query.Problem is not null) return Problems.Result(ErrorCode.LedgerQueryInvalid, query.Problem);
                var entries = await grains.GetGrain<ILedgerGrain>(0).EntriesOf(query.Customer!, query.From, query.To, query.Limit);
                return Results.Ok(new LedgerEntriesView(query.Customer!, query.From, query.To, entries));
            })
            .WithName("LedgerEntries")
            .WithSummary("A customer's ledger entries with their postings, oldest first: customer (required), from and to (ISO 8601; default everything up to now), limit (1 to 1000, default 100).")
            .Produces<LedgerEntriesView>();

        ops.MapGet("/reconciliation/postage-funds", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<IPostageFundsGrain>(0).Reconcile()))
            .WithName("PostageFundsReconciliation")
            .WithSummary("L1 per customer and in total at the ledger's log position: postage funds held, the sum of DR over the customer's meters, refunds payable, the difference (0 expected; any difference is an alert).")
            .Produces<PostageFundsReport>();
    }

    /// <summary>A ledger query's customer, range and limit, or what is wrong with them.</summary>
    internal sealed record Query(string? Customer, DateTimeOffset From, DateTimeOffset To, int Limit, string? Problem)
    {
        public static Query Parse(string? customer, string? from, string? to, string? limit, TimeProvider clock)
        {
            if (!CustomerIds.IsValid(customer)) return Fail("customer is a customer id (u- and 24 hex digits)");
            var start = DateTimeOffset.UnixEpoch;
            var end = clock.GetUtcNow().AddDays(1);
            if (from is not null && !TryParseTime(from, out start)) return Fail("from is an ISO 8601 time with its offset (2026-12-01T00:00:00Z)");
            if (to is not null && !TryParseTime(to, out end)) return Fail("to is an ISO 8601 time with its offset (2026-12-31T00:00:00Z)");
            if (start >= end) return Fail("from is before to");
            var count = DefaultLimit;
            if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
                return Fail("limit is 1 to 1000");
            return new Query(customer, start, end, count, null);
        }

        private static Query Fail(string problem) => new(null, default, default, 0, problem);

        private static bool TryParseTime(string text, out DateTimeOffset at) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at)
            && at.Year is >= 1970 and <= 9000;
    }
}
