using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// Plans on the customer's path, through the SDK over HTTP on a Cluster host: the catalogue, choosing a plan, label
/// fees counted from the log as labels print (posted to the ledger once each), and the operator's run refusing a month
/// that has not ended. Invoices of an ended month (lines, PDF, mail to maildev, collection and the lock) are shown on an
/// in-memory silo with a moved clock (Grains.Tests, PlanInvoiceTests) and against maildev (MailSenderTests): a host's
/// clock cannot be moved.
/// </summary>
[Collection(CommerceCollection.Name)]
public sealed class PlanHostTests(CustomerHostFixture fixture)
{
    [Fact]
    public async Task A_customer_chooses_a_plan_and_each_label_posts_its_fee_once_from_the_log()
    {
        using var customer = await fixture.NewCustomerAsync(20_000);
        var plans = await customer.Client.ListPlansAsync();
        var starter = plans.Single(p => p.Id == "starter");
        Assert.True(starter.LabelFeeMills > 0);
        var unknown = await Assert.ThrowsAsync<VbiApiException>(() => customer.Client.SetPlanAsync("platinum"));
        Assert.Equal(VbiErrorCodes.UnknownPlan, unknown.Code);

        var chosen = await customer.Client.SetPlanAsync("starter");
        Assert.Equal("starter", chosen.Plan);
        for (var i = 0; i < 3; i++) await customer.Session.PrintAsync(new PrintOrder(600 + i, "94103", "FIRST-CLASS"));

        await OperatorHttp.WaitForLogFeedAsync(fixture.BaseAddress);
        var plan = await customer.Client.GetPlanAsync();
        Assert.Equal(3, plan.LabelsThisMonth);
        using var http = OperatorHttp.Client(fixture.BaseAddress);
        var entries = (await LedgerHostTests.GetAsync(http, $"/v1/operator/ledger/entries?customer={customer.CustomerId}&limit=1000"))
            .GetProperty("entries").EnumerateArray().ToList();
        var fees = entries.Where(e => e.GetProperty("id").GetString()!.StartsWith("fee:", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, fees.Count);
        Assert.All(fees, f => Assert.Equal(starter.LabelFeeMills,
            f.GetProperty("postings").EnumerateArray().Where(p => p.GetProperty("account").GetString() == $"fees-receivable:{customer.CustomerId}")
                .Sum(p => p.GetProperty("debitMills").GetInt64())));

        // This month has not ended: the operator's run refuses it by name and invoices nothing.
        var month = DateTime.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var early = await Assert.ThrowsAsync<VbiApiException>(() => fixture.Operator.RunInvoicesAsync(month));
        Assert.Equal(VbiErrorCodes.InvalidBillingMonth, early.Code);
        Assert.Empty(await customer.Client.ListInvoicesAsync());
        await CommerceWorld.AssertBooksAsync(fixture.BaseAddress, customer.CustomerId, (await customer.Client.GetMeterAsync(customer.MeterId)).DescendingMills);
    }
}
