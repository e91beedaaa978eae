using System.Net;
using System.Text.Json;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Commerce;

[CollectionDefinition(Name)]
public sealed class CommerceCollection : ICollectionFixture<CustomerHostFixture>
{
    public const string Name = "Commerce: the ledger on one Cluster-profile host process on PostgreSQL";
}

/// <summary>
/// How the tests of the ledger put money on a meter: one place, as a customer does it (a purchase on the card on
/// file, then the signed PVD that carries it; the ledger posts it to card clearing).
/// </summary>
public static class CommerceFunding
{
    /// <summary>Buys postage as a customer does: a purchase on the card the fixture put on file, then its signed PVD.</summary>
    public static Task<TransactionResult> FundAsync(Customer customer, long mills) => customer.Session.BuyAsync(mills);
}

/// <summary>
/// The ledger from customers' signed requests over HTTP (through the SDK) to the operator's trial balance and
/// postage-funds reconciliation, on a real host with PostgreSQL: I7 (debits equal credits) and L1 (funds held equal
/// the meters' DR plus unpaid refunds) hold, and every transaction is posted once, even after the ledger's log-feed
/// consumer is rewound and applies the whole log again.
/// </summary>
[Collection(CommerceCollection.Name)]
public sealed class LedgerHostTests(CustomerHostFixture fixture)
{
    [Fact]
    public async Task Funding_printing_refunding_and_withdrawing_balance_the_ledger_and_reconcile_L1_even_after_a_rewind()
    {
        using var a = await fixture.NewCustomerAsync();
        using var b = await fixture.NewCustomerAsync();
        await CommerceFunding.FundAsync(a, 50_000);
        await CommerceFunding.FundAsync(a, 20_000);
        var print1 = await a.Session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"));
        await a.Session.PrintAsync(new PrintOrder(1_230, "10001", "FIRST-CLASS"));
        await a.Session.RefundAsync(print1.IndiciumId!);
        await CommerceFunding.FundAsync(b, 30_000);
        await b.Session.PrintAsync(new PrintOrder(2_000, "94103", "FIRST-CLASS"));
        await b.Session.WithdrawAsync();

        using var http = OperatorHttp.Client(fixture.BaseAddress);
        await OperatorHttp.WaitForLogFeedAsync(fixture.BaseAddress);
        // The withdrawal's refund is paid back to B's card from the log, a moment after the feed applied it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await EntryIdsAsync(http, b.CustomerId)).All(e => e.Kind != "refund-paid"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the withdrawal's refund was not paid within 30 s");
            await Task.Delay(200);
        }

        // A: 70.000 funded, 1.230 printed (0.780 refunded): DR 68.770 held for A. B: 30.000 funded, 2.000 printed,
        // 28.000 withdrawn and paid back to B's card: nothing held, nothing payable.
        var meterA = await a.Client.GetMeterAsync(a.MeterId);
        Assert.Equal(68_770, meterA.DescendingMills);
        var trial = await GetAsync(http, "/v1/operator/ledger/trial-balance");
        Assert.True(trial.GetProperty("balances").GetBoolean(), "I7: the trial balance does not balance: " + trial);
        Assert.Equal(trial.GetProperty("totalDebitMills").GetInt64(), trial.GetProperty("totalCreditMills").GetInt64());
        Assert.Equal(-68_770, Balance(trial, LedgerAccounts.PostageFundsHeld(a.CustomerId)));
        Assert.Equal(0, Balance(trial, LedgerAccounts.PostageFundsHeld(b.CustomerId)));
        Assert.Equal(0, Balance(trial, LedgerAccounts.RefundsPayable(b.CustomerId)));

        var reconciliation = await GetAsync(http, "/v1/operator/reconciliation/postage-funds");
        Assert.True(reconciliation.GetProperty("reconciled").GetBoolean(), "L1: " + reconciliation);
        Assert.Equal(0, reconciliation.GetProperty("totalDifferenceMills").GetInt64());
        Assert.Equal(0, reconciliation.GetProperty("disagreements").GetArrayLength());
        var rowA = Row(reconciliation, a.CustomerId);
        Assert.Equal(68_770, rowA.GetProperty("postageFundsHeldMills").GetInt64());
        Assert.Equal(68_770, rowA.GetProperty("sumOfDescendingMills").GetInt64());
        Assert.Equal(0, rowA.GetProperty("differenceMills").GetInt64());
        var rowB = Row(reconciliation, b.CustomerId);
        Assert.Equal(0, rowB.GetProperty("postageFundsHeldMills").GetInt64());
        Assert.Equal(0, rowB.GetProperty("sumOfDescendingMills").GetInt64());
        Assert.Equal(0, rowB.GetProperty("refundsPayableMills").GetInt64());
        Assert.Equal(0, rowB.GetProperty("differenceMills").GetInt64());
        Assert.All(reconciliation.GetProperty("customers").EnumerateArray(), c => Assert.Equal(0, c.GetProperty("differenceMills").GetInt64()));
        Assert.True(reconciliation.GetProperty("metersComparedLive").GetInt32() >= 2);

        var entriesA = await EntryIdsAsync(http, a.CustomerId);
        Assert.Equal(["pvd", "pvd", "print", "print", "refund"], entriesA.Select(e => e.Kind));
        Assert.All(entriesA, e => Assert.StartsWith($"{e.Kind}:{a.MeterId}:", e.Id));
        // Funded with a payment reference that names no purchase: the PVD waits in card clearing.
        var pvd = await GetAsync(http, $"/v1/operator/ledger/entries?customer={a.CustomerId}&limit=1");
        Assert.Contains(pvd.GetProperty("entries")[0].GetProperty("postings").EnumerateArray(),
            p => p.GetProperty("account").GetString() == LedgerAccounts.CardClearing && p.GetProperty("debitMills").GetInt64() == 50_000);
        var entriesB = await EntryIdsAsync(http, b.CustomerId);
        Assert.Equal(["pvd", "print", "withdrawal", "refund-paid"], entriesB.Select(e => e.Kind));

        // The whole log again: every entry is already posted, nothing moves.
        var rewind = await http.PostAsync("/v1/operator/feed/ledger/rewind", null);
        Assert.Equal(HttpStatusCode.OK, rewind.StatusCode);
        await OperatorHttp.WaitForLogFeedAsync(fixture.BaseAddress);
        Assert.Equal(entriesA, await EntryIdsAsync(http, a.CustomerId));
        Assert.Equal(entriesB, await EntryIdsAsync(http, b.CustomerId));
        var again = await GetAsync(http, "/v1/operator/ledger/trial-balance");
        Assert.Equal(trial.GetProperty("accounts").ToString(), again.GetProperty("accounts").ToString());
        Assert.True((await GetAsync(http, "/v1/operator/reconciliation/postage-funds")).GetProperty("reconciled").GetBoolean());
    }

    [Fact]
    public async Task Ledger_queries_refuse_bad_input_with_a_named_code()
    {
        using var http = OperatorHttp.Client(fixture.BaseAddress);
        foreach (var query in new[] { "", "?customer=nobody", "?customer=u-000000000000000000000000&from=yesterday",
                     "?customer=u-000000000000000000000000&limit=0", "?customer=u-000000000000000000000000&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z" })
        {
            var response = await http.GetAsync("/v1/operator/ledger/entries" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("LedgerQueryInvalid", (await response.JsonAsync()).GetProperty("code").GetString());
        }
        // Operators only: no credential, or a customer's token, is refused.
        using var anonymous = new HttpClient { BaseAddress = fixture.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/operator/ledger/trial-balance")).StatusCode);
        using var c = await fixture.NewCustomerAsync();
        using var asCustomer = new HttpClient { BaseAddress = fixture.BaseAddress };
        asCustomer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", c.Token);
        Assert.True((await asCustomer.GetAsync("/v1/operator/reconciliation/postage-funds")).StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
    }

    internal static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static long Balance(JsonElement trial, string account) =>
        trial.GetProperty("accounts").EnumerateArray().Where(a => a.GetProperty("account").GetString() == account)
            .Select(a => a.GetProperty("balanceMills").GetInt64()).SingleOrDefault();

    private static JsonElement Row(JsonElement reconciliation, string customerId) =>
        reconciliation.GetProperty("customers").EnumerateArray().Single(c => c.GetProperty("customerId").GetString() == customerId);

    private sealed record EntryId(string Id, string Kind);

    private static async Task<List<EntryId>> EntryIdsAsync(HttpClient http, string customerId)
    {
        var page = await GetAsync(http, $"/v1/operator/ledger/entries?customer={customerId}&limit=1000");
        var entries = page.GetProperty("entries").EnumerateArray().ToList();
        foreach (var e in entries)
        {
            var postings = e.GetProperty("postings").EnumerateArray().ToList();
            Assert.True(postings.Count >= 2);
            Assert.Equal(postings.Sum(p => p.GetProperty("debitMills").GetInt64()), postings.Sum(p => p.GetProperty("creditMills").GetInt64()));
        }
        var ids = entries.Select(e => new EntryId(e.GetProperty("id").GetString()!, e.GetProperty("kind").GetString()!)).ToList();
        Assert.Equal(ids.Count, ids.Select(i => i.Id).Distinct().Count()); // each transaction posted once
        return ids;
    }
}
