using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// What only the operator API offered before, on the operators' pages: stopping PVD and printing by hand (with a reason;
/// a second stop changes nothing) and resuming them, and the printer table's changes (add, a refusal by code, change,
/// retire), each seen by the API and each request in the operator audit log.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class OperatorSystemAndPrinterTests(PortalFixture portal)
{
    [Fact]
    public async Task An_operator_stops_and_resumes_the_system_from_its_page_and_the_audit_log_has_both()
    {
        using var api = portal.Operator();
        var postsBefore = SystemPosts(await api.GetOperatorAuditAsync());
        var reason = "module CM-0001 under investigation (portal test " + Guid.NewGuid().ToString("N")[..8] + ")";
        var page = await portal.OperatorAsync();
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "System stop" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("Running");

        // Without its antiforgery token the stop is refused, and nothing stops.
        var forged = await page.APIRequest.PostAsync("/operator/system", new()
        {
            Form = page.APIRequest.CreateFormData().Set("_handler", "stop-system").Set("StopForm.Reason", "forged"),
        });
        Assert.Equal(400, forged.Status);

        // No reason: refused by the form.
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop the system" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Give the reason for the audit log.")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("Running");

        await page.GetByLabel("Why (kept with the stop, and logged)").FillAsync(reason);
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop the system" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stopped: postage value downloads and printing are refused");
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("operator " + HostEnvironment.OperatorName);
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync(reason);
        await PortalFixture.CheckAsync(page, "45-operator-system-stopped-by-hand");
        var status = await SystemAsync();
        Assert.Equal((true, reason, HostEnvironment.OperatorName),
            (status.GetProperty("stopped").GetBoolean(), status.GetProperty("reason").GetString(), status.GetProperty("stoppedBy").GetString()));

        // A second stop changes nothing and says so.
        await page.GetByLabel("Why (kept with the stop, and logged)").FillAsync("a second stop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop the system" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("stopped already; nothing changed");
        Assert.Equal(reason, (await SystemAsync()).GetProperty("reason").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume the system" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Resumed");
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("Running");
        Assert.False((await SystemAsync()).GetProperty("stopped").GetBoolean());

        // The audit log: the refused post, the two stops, the resume (and the forged post, refused before the page ran), by name.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr").Filter(new() { HasText = "/operator/system" }).Filter(new() { HasText = "POST" })
            .Filter(new() { HasText = "400" })).Not.ToHaveCountAsync(0);
        var posts = SystemPosts(await api.GetOperatorAuditAsync());
        Assert.Equal(postsBefore + 5, posts);
        Assert.Contains(portal.Host.Output, l => l.Contains($"Operator {HostEnvironment.OperatorName} stopped PVD and printing system-wide: stopped ({reason})", StringComparison.Ordinal));
        Assert.Contains(portal.Host.Output, l => l.Contains($"[1603] System stopped by operator {HostEnvironment.OperatorName}: {reason}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_operator_adds_changes_and_retires_a_printer_and_customers_see_the_table_change()
    {
        var id = "portal-" + Guid.NewGuid().ToString("N")[..8];
        using var api = portal.Operator();
        var postsBefore = PrinterPosts(await api.GetOperatorAuditAsync());
        var page = await portal.OperatorAsync();
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Printer table" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Printer table" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tbody tr").Filter(new() { HasText = "(the embedded table)" })).Not.ToHaveCountAsync(0);
        await PortalFixture.CheckAsync(page, "58-operator-printers");

        // A resolution the renderer cannot take: refused by its code, nothing kept.
        await FillAsync(page, id, "Portal Test Thermal", dpi: "100");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep the printer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("PrinterDpiOutOfRange");
        Assert.DoesNotContain(id, await CustomersPrintersAsync());

        await FillAsync(page, id, "Portal Test Thermal", dpi: "203");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep the printer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Kept printer {id}");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "Change " + id }) });
        await Assertions.Expect(row).ToContainTextAsync("Active");
        await Assertions.Expect(row).ToContainTextAsync(HostEnvironment.OperatorName);
        Assert.Contains(id, await CustomersPrintersAsync());
        await PortalFixture.CheckAsync(page, "59-operator-printer-kept");

        // Its link fills the form with its values: a new name is all that changes.
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Resolution (dots per inch, 150 to 1200)")).ToHaveValueAsync("203");
        await page.GetByLabel("Printer name").FillAsync("Portal Test Thermal II");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep the printer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Kept printer {id}");
        await Assertions.Expect(row).ToContainTextAsync("Portal Test Thermal II");

        await page.GetByLabel("Printer", new() { Exact = true }).SelectOptionAsync(id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Retire the printer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Retired printer {id}");
        await Assertions.Expect(row).ToContainTextAsync("Retired");
        Assert.DoesNotContain(id, await CustomersPrintersAsync());

        // The operator API's table says the same, and the four posts are in the audit log by name.
        using var http = OperatorClient();
        var table = await http.GetFromJsonAsync<JsonElement>("/v1/operator/printers");
        var kept = table.GetProperty("printers").EnumerateArray().Single(p => p.GetProperty("id").GetString() == id);
        Assert.Equal(("Portal Test Thermal II", true, HostEnvironment.OperatorName),
            (kept.GetProperty("name").GetString(), kept.GetProperty("retired").GetBoolean(), kept.GetProperty("changedBy").GetString()));
        Assert.Equal(postsBefore + 4, PrinterPosts(await api.GetOperatorAuditAsync())); // refused, kept, changed, retired
    }

    private static async Task FillAsync(IPage page, string id, string name, string dpi)
    {
        await page.GetByLabel("Printer id (lower-case letters, digits, hyphens)").FillAsync(id);
        await page.GetByLabel("Printer name").FillAsync(name);
        await page.GetByLabel("Resolution (dots per inch, 150 to 1200)").FillAsync(dpi);
        await page.GetByLabel("Shift right (dots; negative moves left)").FillAsync("2");
        await page.GetByLabel("Shift down (dots; negative moves up)").FillAsync("-1");
        await page.GetByLabel("Formats (comma-separated: pdf, png, svg, zpl)").FillAsync("png, zpl");
        await page.GetByLabel("Layouts (comma-separated: label-4x6, envelope-10)").FillAsync("label-4x6");
        await page.GetByLabel("Media").FillAsync("4 x 6 in. direct thermal labels");
    }

    private static int PrinterPosts(IEnumerable<VbiOrleans.Client.OperatorAuditEntry> entries) =>
        entries.Count(e => e is { Method: "POST", Path: "/operator/printers" } && e.Operator == HostEnvironment.OperatorName);

    private static int SystemPosts(IEnumerable<VbiOrleans.Client.OperatorAuditEntry> entries) =>
        entries.Count(e => e is { Method: "POST", Path: "/operator/system" } && e.Operator == HostEnvironment.OperatorName);

    private async Task<JsonElement> SystemAsync()
    {
        using var http = OperatorClient();
        return await http.GetFromJsonAsync<JsonElement>("/v1/operator/system");
    }

    private HttpClient OperatorClient()
    {
        var http = new HttpClient { BaseAddress = portal.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HostEnvironment.OperatorName}:{HostEnvironment.OperatorKey}")));
        return http;
    }

    /// <summary>The ids of the printer table as customers get it (GET /v1/printers, anonymous).</summary>
    private async Task<List<string>> CustomersPrintersAsync()
    {
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        var printers = await http.GetFromJsonAsync<JsonElement>("/v1/printers");
        return [.. printers.EnumerateArray().Select(p => p.GetProperty("id").GetString()!)];
    }
}
