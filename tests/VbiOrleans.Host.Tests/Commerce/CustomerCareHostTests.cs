using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// Customer care over HTTP on a real host: an operator's credit is a ledger entry posted once per key, a lock shows in
/// the customer's own view (without the operator's note) and in the account grain's standing, an unlock lifts it, and
/// every action is in the operator audit log.
/// </summary>
[Collection(CommerceCollection.Name)]
public sealed class CustomerCareHostTests(CustomerHostFixture fixture)
{
    [Fact]
    public async Task An_operator_credits_locks_and_unlocks_a_customer_and_the_audit_log_shows_each_action()
    {
        using var customer = await fixture.NewCustomerAsync();
        await CommerceFunding.FundAsync(customer, 10_000);
        using var http = OperatorHttp.Client(fixture.BaseAddress);
        var id = customer.CustomerId;
        var key = "care-" + Guid.NewGuid().ToString("N");

        // A credit: posted once; the same key again answers the same entry; the same key with another amount is refused.
        var credit = await http.PostAsJsonAsync($"/v1/operator/customers/{id}/credits", new { amountMills = 5_000, reason = "late delivery of labels", idempotencyKey = key });
        Assert.Equal(HttpStatusCode.Created, credit.StatusCode);
        var entry = (await credit.JsonAsync()).GetProperty("entry");
        Assert.Equal($"credit:{id}:{key}", entry.GetProperty("id").GetString());
        Assert.Contains("late delivery of labels", entry.GetProperty("memo").GetString());
        var repeat = await http.PostAsJsonAsync($"/v1/operator/customers/{id}/credits", new { amountMills = 5_000, reason = "late delivery of labels", idempotencyKey = key });
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.True((await repeat.JsonAsync()).GetProperty("alreadyPosted").GetBoolean());
        await Refused(http.PostAsJsonAsync($"/v1/operator/customers/{id}/credits", new { amountMills = 6_000, reason = "x", idempotencyKey = key }), 422, "IdempotencyKeyReused");
        await Refused(http.PostAsJsonAsync($"/v1/operator/customers/{id}/credits", new { amountMills = 0, reason = "x", idempotencyKey = "k1" }), 400, "CareAmountInvalid");
        await Refused(http.PostAsJsonAsync($"/v1/operator/customers/{id}/credits", new { amountMills = 100, reason = " ", idempotencyKey = "k2" }), 400, "CareReasonInvalid");
        await Refused(http.PostAsJsonAsync("/v1/operator/customers/u-000000000000000000000000/credits", new { amountMills = 100, reason = "x", idempotencyKey = "k3" }), 404, "NotFound");
        var feeRefund = await http.PostAsJsonAsync($"/v1/operator/customers/{id}/fee-refunds", new { amountMills = 990, reason = "label fee charged twice", idempotencyKey = key });
        Assert.Equal(HttpStatusCode.Created, feeRefund.StatusCode);
        var trial = await LedgerHostTests.GetAsync(http, "/v1/operator/ledger/trial-balance");
        Assert.True(trial.GetProperty("balances").GetBoolean());
        Assert.Equal(-5_990, trial.GetProperty("accounts").EnumerateArray()
            .Single(a => a.GetProperty("account").GetString() == LedgerAccounts.CustomerCredit(id)).GetProperty("balanceMills").GetInt64());

        // Lock: the customer sees that and why, never the note; the account grain's standing says locked.
        const string note = "internal: card testing pattern, ticket 4711";
        var locked = await http.PostAsJsonAsync($"/v1/operator/customers/{id}/lock", new { reason = note });
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.True((await locked.JsonAsync()).GetProperty("locked").GetBoolean());
        var me = await customer.Client.GetMeAsync();
        Assert.True(me.Locked);
        Assert.Equal("operator", Assert.Single(me.Locks!).Reason);
        using (var raw = new HttpClient { BaseAddress = fixture.BaseAddress })
        {
            raw.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", customer.Token);
            Assert.DoesNotContain("4711", await raw.GetStringAsync("/v1/customers/me"));
        }
        using (var cluster = await ClusterClients.ConnectAsync(LocalServices.ConnectionString(fixture.Database), fixture.ClusterId))
        {
            var standing = await cluster.Services.GetRequiredService<IClusterClient>().GetGrain<ICommerceAccountGrain>(id).Standing();
            Assert.True(standing.Locked);
            var accountLock = Assert.Single(standing.Locks);
            Assert.Equal(AccountLockReason.Operator, accountLock.Reason);
            Assert.Equal(note, accountLock.Note);
            Assert.Equal(HostEnvironment.OperatorName, accountLock.By);
            await cluster.StopAsync();
        }

        // Unlock: lifted; lifting again names the missing lock; an unknown kind is refused.
        await Refused(http.PostAsJsonAsync($"/v1/operator/customers/{id}/unlock", new { reason = "x", kind = "holiday" }), 400, "LockKindUnknown");
        var unlocked = await http.PostAsJsonAsync($"/v1/operator/customers/{id}/unlock", new { reason = "cleared by the fraud team" });
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        Assert.False((await unlocked.JsonAsync()).GetProperty("locked").GetBoolean());
        Assert.False((await customer.Client.GetMeAsync()).Locked);
        await Refused(http.PostAsJsonAsync($"/v1/operator/customers/{id}/unlock", new { reason = "again" }), 404, "LockNotFound");

        // The customer's payments: the PVD from the log feed, the credit and the fee refund.
        await OperatorHttp.WaitForLogFeedAsync(fixture.BaseAddress);
        var payments = await LedgerHostTests.GetAsync(http, $"/v1/operator/customers/{id}/payments");
        Assert.Equal(["pvd", "credit", "fee-refund"], payments.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));

        // The operator audit log: each action, by whom, with its outcome.
        var audit = await LedgerHostTests.GetAsync(http, "/v1/operator/audit");
        var mine = audit.EnumerateArray().Where(e => e.GetProperty("path").GetString()!.StartsWith($"/v1/operator/customers/{id}/", StringComparison.Ordinal)).ToList();
        Assert.All(mine, e => Assert.Equal(HostEnvironment.OperatorName, e.GetProperty("operator").GetString()));
        Assert.Contains(mine, e => e.GetProperty("path").GetString()!.EndsWith("/credits", StringComparison.Ordinal) && e.GetProperty("status").GetInt32() == 201);
        Assert.Contains(mine, e => e.GetProperty("path").GetString()!.EndsWith("/fee-refunds", StringComparison.Ordinal) && e.GetProperty("status").GetInt32() == 201);
        Assert.Contains(mine, e => e.GetProperty("path").GetString()!.EndsWith("/lock", StringComparison.Ordinal) && e.GetProperty("status").GetInt32() == 200);
        Assert.Contains(mine, e => e.GetProperty("path").GetString()!.EndsWith("/unlock", StringComparison.Ordinal) && e.GetProperty("status").GetInt32() == 200);
        Assert.Contains(mine, e => e.GetProperty("path").GetString()!.EndsWith("/unlock", StringComparison.Ordinal) && e.GetProperty("status").GetInt32() == 404);
    }

    private static async Task Refused(Task<HttpResponseMessage> request, int status, string code)
    {
        var response = await request;
        var body = await response.JsonAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status} {code}, got {(int)response.StatusCode} {body}");
        Assert.Equal(code, body.GetProperty("code").GetString());
    }
}
