using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// A Local-profile host, whose postal authority is a folder of its data directory, so that the provider services run
/// (the shared portal host is a Cluster host without SFTP, where they do not).
/// </summary>
public sealed class ProviderHostFixture : LocalPortalHostFixture
{
    protected override void Configure(Dictionary<string, string?> env)
    {
        // Today can be run before it closes, so that the day has the test's transactions.
        env["Vbi__Provider__AllowOpenDay"] = "true";
    }
}

/// <summary>
/// The daily reconciliation on the operator's reconciliation page: a day of a customer's PVD and print (through the
/// SDK) that the provider services ran (through <c>POST /v1/operator/provider/runs</c>, as an operator runs it) shows
/// its checks and 0 differences, as
/// <c>GET /v1/operator/reconciliation</c> reports it; a day never run says there is no reconciliation yet; the form
/// without its antiforgery token is refused.
/// </summary>
public sealed class OperatorDailyReconciliationTests(ProviderHostFixture fixture) : IClassFixture<ProviderHostFixture>
{
    [Fact]
    public async Task An_operator_sees_a_run_days_checks_with_no_difference_and_no_reconciliation_for_a_day_never_run()
    {
        var uri = fixture.Host.BaseAddress;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var day = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var yesterday = today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // The day's transactions: a customer's $30 PVD and a $0.78 print, signed through the SDK.
        using (var anonymous = new VbiClient(new VbiClientOptions { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(60) }))
        {
            var account = await anonymous.SignUpAsync(PortalFixture.NewEmail(), PortalFixture.Password);
            using var client = new VbiClient(new VbiClientOptions { BaseAddress = uri, CustomerToken = account.Token, Timeout = TimeSpan.FromSeconds(60) });
            await client.AddCardAsync("tok_visa");
            var meter = await client.LicenseMeterAsync("10001");
            var identity = await client.GetModuleIdentityAsync();
            var hmk = await client.RegisterMeterAsync(meter.MeterId, PortalFixture.Password, Convert.FromBase64String(identity.PublicKey));
            using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, PortalFixture.Password);
            await session.BuyAsync(30_000);
            await session.PrintAsync(new PrintOrder(780, "94107", "FIRST-CLASS"));
        }

        using var http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HostEnvironment.OperatorName}:{HostEnvironment.OperatorKey}")));
        using (var run = await http.PostAsJsonAsync("/v1/operator/provider/runs", new { date = day }))
        {
            var body = await run.Content.ReadAsStringAsync();
            Assert.True(run.IsSuccessStatusCode, $"the run was answered {(int)run.StatusCode}: {body}");
            var files = JsonDocument.Parse(body).RootElement.GetProperty("files").EnumerateArray().ToList();
            Assert.Equal(3, files.Count);
            Assert.All(files, f => Assert.Equal("verified", f.GetProperty("state").GetString()));
        }
        var api = JsonDocument.Parse(await http.GetStringAsync($"/v1/operator/reconciliation?date={day}")).RootElement;
        Assert.True(api.GetProperty("reconciled").GetBoolean(), api.ToString());
        Assert.Equal((1, 30_000L, 30_000L, 30_000L, 1), (api.GetProperty("logPvdCount").GetInt32(), api.GetProperty("logPvdMills").GetInt64(),
            api.GetProperty("resettingPvdMills").GetInt64(), api.GetProperty("ledgerPvdMills").GetInt64(), api.GetProperty("metersCompared").GetInt32()));

        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = uri.ToString(), Locale = "en-US" });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/operator/login");
        await page.GetByLabel("Operator name").FillAsync(HostEnvironment.OperatorName);
        await page.GetByLabel("Operator key").FillAsync(HostEnvironment.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/operator$"));

        await page.GotoAsync("/operator/reconciliation");
        // The form offers yesterday, the latest day the services close.
        await Assertions.Expect(page.GetByLabel("Business day (UTC)")).ToHaveValueAsync(yesterday);
        await page.GetByLabel("Business day (UTC)").FillAsync(day);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the day's reconciliation" }).ClickAsync();
        var outcome = page.Locator("[data-vbi=daily]");
        await Assertions.Expect(outcome).ToHaveTextAsync($"{day} is reconciled: 0 differences.");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = $"The checks of {day}" })).ToBeVisibleAsync();
        var pvds = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "PVDs" });
        await Assertions.Expect(pvds).ToContainTextAsync("PVDs (1 in the log)");
        await Assertions.Expect(pvds.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["$30.000", "$30.000", "$30.000"]);
        await Assertions.Expect(page.Locator("dd").Last).ToHaveTextAsync("1"); // the meter's registers at the close, compared
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Differences" })).ToHaveCountAsync(0);
        await PortalFixture.CheckAsync(page, "84-operator-daily-reconciliation");

        // A day the services never ran: no report, and showing it runs nothing.
        await page.GetByLabel("Business day (UTC)").FillAsync("2020-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the day's reconciliation" }).ClickAsync();
        await Assertions.Expect(outcome).ToContainTextAsync("No reconciliation yet for 2020-01-01");
        await PortalFixture.CheckAsync(page, "85-operator-daily-reconciliation-none");
        Assert.Equal(404, (int)(await http.GetAsync("/v1/operator/reconciliation?date=2020-01-01")).StatusCode);

        // The provider files page runs the day again: the same files, verified, each service's run counted; a day that is
        // not closed is refused by its code.
        await page.GotoAsync("/operator/provider");
        await Assertions.Expect(page.GetByLabel("Business day (UTC)")).ToHaveValueAsync(yesterday);
        await page.GetByLabel("Business day (UTC)").FillAsync(today.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Run the day" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("ProviderDayNotClosed");
        await page.GetByLabel("Business day (UTC)").FillAsync(day);
        await page.GetByLabel("Service").SelectOptionAsync(new SelectOptionValue { Label = "every service" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Run the day" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Ran {day}: licensing verified; resetting verified; remittance verified");
        var dayRows = page.GetByRole(AriaRole.Row).Filter(new() { HasText = day });
        await Assertions.Expect(dayRows).ToHaveCountAsync(3);
        foreach (var service in new[] { "licensing", "resetting", "remittance" })
            await Assertions.Expect(dayRows.Filter(new() { HasText = service }).GetByRole(AriaRole.Cell).Nth(6)).ToHaveTextAsync("2");
        await PortalFixture.CheckAsync(page, "86-operator-provider-run");
        var runs = JsonDocument.Parse(await http.GetStringAsync("/v1/operator/provider/files")).RootElement.GetProperty("files").EnumerateArray()
            .Where(f => f.GetProperty("date").GetString() == day).ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, f => Assert.Equal(("verified", 2), (f.GetProperty("state").GetString(), f.GetProperty("runs").GetInt32())));
        var audit = JsonDocument.Parse(await http.GetStringAsync("/v1/operator/audit")).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("path").GetString() == "/operator/provider" && e.GetProperty("method").GetString() == "POST"
                && e.GetProperty("operator").GetString() == HostEnvironment.OperatorName).ToList();
        Assert.Equal(2, audit.Count);

        // The form without its antiforgery token is refused.
        var refused = await page.APIRequest.PostAsync("/operator/reconciliation", new()
        {
            Form = page.APIRequest.CreateFormData().Set("_handler", "daily-reconciliation").Set("Day.Date", "2020-01-01"),
        });
        Assert.Equal(400, refused.Status);
        await context.DisposeAsync();
    }

}
