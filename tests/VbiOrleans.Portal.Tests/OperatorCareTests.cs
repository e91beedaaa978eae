using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// Customer care in the portal: an operator finds a customer by email, locks the account (the customer's next purchase
/// is refused), credits it once however often the form is sent, lifts the lock, and finds each action in the operator
/// audit log. Then the partners, provider files and reconciliation pages.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class OperatorCareTests(PortalFixture portal)
{
    [Fact]
    public async Task An_operator_locks_and_credits_a_customer_and_sees_it_in_the_audit_log()
    {
        using var anonymous = portal.Client();
        var email = PortalFixture.NewEmail();
        var account = await anonymous.SignUpAsync(email, PortalFixture.Password);
        using var customer = portal.Client(account.Token);
        var card = await customer.AddCardAsync("tok_visa");
        var meter = await customer.LicenseMeterAsync("10001");
        var customerId = account.Customer.CustomerId;

        var page = await portal.OperatorAsync();
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Customers" }).ClickAsync();
        await PortalFixture.CheckAsync(page, "50-operator-customers");
        // An address nobody has: its code, and no page of a customer.
        await page.GetByLabel("Email address or customer id").FillAsync(PortalFixture.NewEmail());
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the customer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("NotFound");

        await page.GetByLabel("Email address or customer id").FillAsync(email.ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the customer" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/operator/customers/{customerId}$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Customer " + email })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = meter.MeterId })).ToHaveAttributeAsync("href", $"/operator/meters/{meter.MeterId}");
        await Assertions.Expect(page.GetByText("No lock: the account may buy postage.")).ToBeVisibleAsync();
        await PortalFixture.CheckAsync(page, "51-operator-customer");

        await page.GetByLabel("Why (a note the customer does not see)").FillAsync("card disputed by phone (portal test)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Lock new postage" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Locked");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "card disputed by phone" })).ToContainTextAsync(HostEnvironment.OperatorName);
        // The customer's own path: the account says it is locked, and a purchase is refused by name.
        Assert.True((await customer.GetMeAsync()).Locked);
        var locked = await Assert.ThrowsAsync<VbiApiException>(() => customer.CreatePurchaseAsync(meter.MeterId, 5_000, Guid.NewGuid().ToString("N"), card.Id));
        Assert.Equal(VbiErrorCodes.AccountLocked, locked.Code);
        await PortalFixture.CheckAsync(page, "52-operator-customer-locked");

        // A credit of $7.50: posted once, even when the same form is sent again (its key is in the form).
        await page.GetByLabel("Amount in dollars (up to 3 decimals)").FillAsync("7.50");
        await page.GetByLabel("Why", new() { Exact = true }).Last.FillAsync("goodwill for the disputed card (portal test)");
        var creditForm = page.Locator("form").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Credit the customer" }) });
        var key = await creditForm.Locator("input[type=hidden][name='CreditForm.RequestKey']").InputValueAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Credit the customer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Credited $7.500");
        var again = await SendCreditFormAgainAsync(page, customerId, key);
        Assert.Contains("was posted already", again, StringComparison.Ordinal);
        var credits = await CreditEntriesAsync(customerId);
        var credit = Assert.Single(credits);
        Assert.Equal(7_500, credit.GetProperty("postings").EnumerateArray().Sum(p => p.GetProperty("creditMills").GetInt64()));
        await PortalFixture.CheckAsync(page, "53-operator-customer-credited");

        await page.GetByLabel("Why", new() { Exact = true }).First.FillAsync("dispute settled (portal test)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Lift the lock" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Lifted the operator lock");
        Assert.False((await customer.GetMeAsync()).Locked);

        // Each action in the operator audit log, by name, as a POST to the customer's page.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        var posts = page.Locator("tbody tr").Filter(new() { HasText = $"/operator/customers/{customerId}" }).Filter(new() { HasText = "POST" })
            .Filter(new() { HasText = HostEnvironment.OperatorName });
        await Assertions.Expect(posts).ToHaveCountAsync(4); // lock, credit, the credit again, unlock
        await PortalFixture.CheckAsync(page, "54-operator-audit-care");

        // Partners: one created here (its secrets shown once), then found by id.
        var partnerId = "portal-" + Guid.NewGuid().ToString("N")[..8];
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Partners" }).ClickAsync();
        await page.GetByLabel("Partner id (letters, digits, . _ -)").FillAsync(partnerId);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Portal Test Shop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the partner" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Created partner {partnerId}");
        await PortalFixture.CheckAsync(page, "55-operator-partner-created");
        await page.GetByLabel("Partner id", new() { Exact = true }).FillAsync(partnerId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the partner" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Portal Test Shop" })).ToContainTextAsync(HostEnvironment.OperatorName);
        await Assertions.Expect(page.GetByText("Request-signing secret")).ToHaveCountAsync(0); // never shown again

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Provider files" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Provider files" })).ToBeVisibleAsync();
        await PortalFixture.CheckAsync(page, "56-operator-provider-files");
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Reconciliation" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Reconciled");
        await PortalFixture.CheckAsync(page, "57-operator-reconciliation");
    }

    /// <summary>The credit form posted again as the browser sent it (its antiforgery token and key), as a double click or a resend would.</summary>
    private static async Task<string> SendCreditFormAgainAsync(IPage page, string customerId, string key)
    {
        // The page as it is now carries a fresh key; the one sent before is put back, so this is the same request again.
        var form = page.Locator("form").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Credit the customer" }) });
        await form.Locator("input[name='CreditForm.RequestKey']").EvaluateAsync("(e, k) => e.value = k", key);
        await form.GetByLabel("Amount in dollars (up to 3 decimals)").FillAsync("7.50");
        await form.GetByLabel("Why").FillAsync("goodwill for the disputed card (portal test)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Credit the customer" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/operator/customers/{customerId}$"));
        return await page.GetByRole(AriaRole.Status).InnerTextAsync();
    }

    private async Task<List<JsonElement>> CreditEntriesAsync(string customerId)
    {
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HostEnvironment.OperatorName}:{HostEnvironment.OperatorKey}")));
        using var response = await http.GetAsync($"/v1/operator/customers/{customerId}/payments");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "credit")];
    }
}
