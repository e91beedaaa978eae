using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests;

/// <summary>An operator's pages in a real browser: their own log-in, the module table, inhibited meters, the trial balance, and the audit log of it all.</summary>
[Collection(PortalCollection.Name)]
public sealed class OperatorJourneyTests(PortalFixture portal)
{
    [Fact]
    public async Task An_operator_logs_in_sees_the_module_table_and_finds_their_own_actions_in_the_audit_log()
    {
        // A meter that has printed makes a row of the module table with its last transaction.
        await MeterWithATransactionAsync();
        var page = await portal.NewPageAsync();

        await page.GotoAsync("/operator/modules");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/operator/login\\?ReturnUrl=%2Foperator%2Fmodules$"));
        await PortalFixture.CheckAsync(page, "20-operator-login");

        // A wrong key: refused, and audited as not an operator.
        await page.GetByLabel("Operator name").FillAsync(HostEnvironment.OperatorName);
        await page.GetByLabel("Operator key").FillAsync("not-the-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Unauthenticated");
        await PortalFixture.CheckAsync(page, "21-operator-login-refused");

        await page.GetByLabel("Operator name").FillAsync(HostEnvironment.OperatorName);
        await page.GetByLabel("Operator key").FillAsync(HostEnvironment.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/operator/modules$"));
        await Assertions.Expect(page.GetByText("Signed in as " + HostEnvironment.OperatorName)).ToBeVisibleAsync();
        var rows = page.Locator("tbody tr");
        Assert.True(await rows.CountAsync() > 0, "the module table has no row");
        await Assertions.Expect(page.Locator("tbody")).ToContainTextAsync("Active");
        await PortalFixture.CheckAsync(page, "22-operator-modules");

        await page.GetByRole(AriaRole.Link, new() { Name = "Inhibited meters" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inhibited meters" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("No inhibited meter.");
        await PortalFixture.CheckAsync(page, "23-operator-inhibited");

        await page.GetByRole(AriaRole.Link, new() { Name = "Trial balance" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The ledger balances");
        await PortalFixture.CheckAsync(page, "24-operator-trial-balance");

        await page.GotoAsync("/operator");
        await Assertions.Expect(page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "Orleans dashboard" })).ToHaveAttributeAsync("href", "/dashboard");
        await PortalFixture.CheckAsync(page, "25-operator-home");

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).First.ClickAsync();
        var audit = page.Locator("tbody");
        // Their own actions, by name, as the API's operator requests are: the log-in and each page.
        await Assertions.Expect(audit.Locator("tr").Filter(new() { HasText = "/operator/modules" }).Filter(new() { HasText = HostEnvironment.OperatorName })
            .Filter(new() { HasText = "GET" }).Filter(new() { HasText = "200" })).Not.ToHaveCountAsync(0);
        await Assertions.Expect(audit.Locator("tr").Filter(new() { HasText = "/operator/login" }).Filter(new() { HasText = HostEnvironment.OperatorName })
            .Filter(new() { HasText = "POST" })).Not.ToHaveCountAsync(0);
        await Assertions.Expect(audit.Locator("tr").Filter(new() { HasText = "/operator/login" }).Filter(new() { HasText = "(not an operator)" })
            .Filter(new() { HasText = "401" })).Not.ToHaveCountAsync(0);
        await PortalFixture.CheckAsync(page, "26-operator-audit");

        // The same entries through the operator API: one audit log.
        using var api = portal.Operator();
        var entries = await api.GetOperatorAuditAsync();
        Assert.Contains(entries, e => e.Operator == HostEnvironment.OperatorName && e.Method == "GET" && e.Path == "/operator/ledger" && e.Status == 200);

        await page.GetByRole(AriaRole.Link, new() { Name = "Log out" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/operator/login$"));
        await page.GotoAsync("/operator/audit");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/operator/login\\?ReturnUrl="));
    }

    private async Task MeterWithATransactionAsync()
    {
        using var anonymous = portal.Client();
        var email = PortalFixture.NewEmail();
        var account = await anonymous.SignUpAsync(email, PortalFixture.Password);
        using var client = portal.Client(account.Token);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, PortalFixture.Password, Convert.FromBase64String(identity.PublicKey));
        await client.AddCardAsync("tok_visa");
        using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, PortalFixture.Password);
        await session.BuyAsync(5_000);
    }
}
