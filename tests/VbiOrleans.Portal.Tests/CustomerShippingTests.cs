using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Client;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// A customer's shipping and account pages in a real browser: an address matched with its ranked candidates and the
/// rates shopped to the chosen candidate (the same prices the SDK gets); the plan changed with its prorated fee posted,
/// and last month's invoice in detail with its PDF; SCAN forms, printers and linked partners.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CustomerShippingTests(PortalFixture portal)
{
    [Fact]
    public async Task A_customer_matches_an_address_and_shops_rates()
    {
        var (page, email) = await portal.CustomerAsync();
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Shipping" }).ClickAsync();
        await PortalFixture.CheckAsync(page, "60-shipping");

        // An address the matcher cannot place: its code, no candidates.
        await page.GetByLabel("Street").FillAsync("1 Main St");
        await page.GetByLabel("City").FillAsync("Nowhere");
        await page.GetByLabel("State").FillAsync("CA");
        await page.GetByLabel("ZIP code", new() { Exact = true }).FillAsync("00000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Match the address" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Address");
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);

        // A city, state and ZIP that disagree: ZIP corrections from the city rank first, the ZIP's own city after.
        await page.GetByLabel("Name (optional)").FillAsync("Jane Roe");
        await page.GetByLabel("Street").FillAsync("1 Dr Carlton B Goodlett Place");
        await page.GetByLabel("City").FillAsync("San Francisco");
        await page.GetByLabel("State").FillAsync("CA");
        await page.GetByLabel("ZIP code", new() { Exact = true }).FillAsync("94301");
        await page.GetByRole(AriaRole.Button, new() { Name = "Match the address" }).ClickAsync();
        var candidates = page.GetByRole(AriaRole.Table, new() { Name = "Match candidates, best first" }).Locator("tbody tr");
        await Assertions.Expect(candidates.First).ToContainTextAsync("ZipCorrected");
        await Assertions.Expect(candidates.First).ToContainTextAsync("1 DR CARLTON B GOODLETT PL");
        await Assertions.Expect(candidates.First).ToContainTextAsync("zip corrected from 94301");
        await Assertions.Expect(candidates.Filter(new() { HasText = "CityCorrected" }).Filter(new() { HasText = "PALO ALTO" })).Not.ToHaveCountAsync(0);
        // The same ranking as the API's.
        using var anonymous = portal.Client();
        using var sdk = portal.Client((await anonymous.LogInAsync(email, PortalFixture.Password)).Token);
        var api = await sdk.MatchAddressAsync(new AddressFields(["1 Dr Carlton B Goodlett Place"], "San Francisco", "CA", "94301"));
        Assert.Equal(api.Candidates.Count, await candidates.CountAsync());
        var zip = api.Candidates[0].Address.Zip;
        await PortalFixture.CheckAsync(page, "61-shipping-candidates");

        // Rates to the best candidate's ZIP, carried by its link.
        await page.GetByRole(AriaRole.Link, new() { Name = "Rates to " + zip }).First.ClickAsync();
        await Assertions.Expect(page.GetByLabel("To ZIP code")).ToHaveValueAsync(zip!);
        await page.GetByLabel("From ZIP code").FillAsync("10001");
        await page.GetByLabel("Weight in ounces (one decimal at most)").FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Shop rates" }).ClickAsync();
        var quotes = page.GetByRole(AriaRole.Table, new() { Name = "Every class that takes the piece, cheapest first" }).Locator("tbody tr");
        await Assertions.Expect(quotes.First).ToBeVisibleAsync();
        var shown = await quotes.Locator("td:last-child").AllInnerTextsAsync();
        var expected = await sdk.GetRatesAsync(new RateRequest("10001", zip!, "12"));
        Assert.Equal(expected.Quotes.Select(q => q.Postage), shown);
        Assert.True(shown.Count > 1, "rate shopping shows more than one class");
        var prices = shown.Select(s => decimal.Parse(s.TrimStart('$'), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(prices.Order(), prices);
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Zone" })).ToContainTextAsync("from 10001 to " + zip);
        await PortalFixture.CheckAsync(page, "62-shipping-rates");

        // A weight that cannot be: the API's code for it.
        await page.GetByLabel("Weight in ounces (one decimal at most)").FillAsync("-3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Shop rates" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("InvalidWeight");
    }

    [Fact]
    public async Task A_customer_changes_plan_and_sees_an_invoice_in_detail()
    {
        var (page, email) = await portal.CustomerAsync();
        using var anonymous = portal.Client();
        var session = await anonymous.LogInAsync(email, PortalFixture.Password);
        using var sdk = portal.Client(session.Token);
        var customerId = session.Customer.CustomerId;

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Plan" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("none chosen yet");
        await PortalFixture.CheckAsync(page, "70-plan");
        var plans = await sdk.ListPlansAsync();
        var (first, second) = (plans.First(p => p.MonthlyFeeMills > 0), plans.Last(p => p.MonthlyFeeMills > 0));
        Assert.NotEqual(first.Id, second.Id);

        await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(first.Id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose this plan" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your plan is now " + first.Name);
        Assert.Equal(first.Id, (await sdk.GetPlanAsync()).Plan);

        // A change closes the first plan's part of the month: its prorated fee is posted, as the API's PUT posts it.
        await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(second.Id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose this plan" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your plan is now " + second.Name);
        var plan = await sdk.GetPlanAsync();
        Assert.Equal((second.Id, 2), (plan.Plan, plan.History.Count));
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = second.Name + " (yours)" })).ToHaveCountAsync(1);
        await PortalFixture.CheckAsync(page, "71-plan-changed");

        // Last month's invoice: the host's clock cannot be moved, so last month's plan fee is written into the ledger as the
        // plan grain posts it (ExportHostFixture does the same), and the operator's run issues the invoice.
        var month = DateTime.UtcNow.AddMonths(-1);
        var name = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        const long fee = 12_340;
        await LocalServices.ScalarAsync<int>(portal.Database,
            "WITH e AS (INSERT INTO vbi_ledger_entry (id, kind, at, customer_id, memo) VALUES (@id, 'plan-fee', @at, @c, 'Business plan') RETURNING id) " +
            "INSERT INTO vbi_ledger_posting (entry_id, line, account, debit_mills, credit_mills) " +
            "SELECT e.id, v.line, v.account, v.debit, v.credit FROM e, (VALUES (1::smallint, @receivable, @fee, 0::bigint), (2::smallint, 'fee-revenue', 0::bigint, @fee)) " +
            "AS v(line, account, debit, credit) RETURNING 1",
            ("id", $"plan-fee:{customerId}:{name}:0"), ("at", new DateTime(month.Year, month.Month, 2, 0, 0, 0, DateTimeKind.Utc)),
            ("c", customerId), ("receivable", "fees-receivable:" + customerId), ("fee", fee));
        using var operatorClient = portal.Operator();
        var invoice = await RunInvoicesAsync(operatorClient, name, customerId);

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Invoices" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = invoice.Number }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Invoice " + invoice.Number })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Business plan" })).ToContainTextAsync("$12.34");
        await Assertions.Expect(page.Locator("tfoot")).ToContainTextAsync(invoice.Total);
        await PortalFixture.CheckAsync(page, "72-invoice");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download the PDF" }).ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.Equal(await sdk.GetInvoicePdfAsync(invoice.Number), pdf);

        // Another customer's invoice is the portal's Not found page, as is a number that exists nowhere.
        var (other, _) = await portal.CustomerAsync();
        Assert.Equal(404, (await other.GotoAsync("/invoices/" + invoice.Number))!.Status);
        Assert.Equal(404, (await other.GotoAsync($"/invoices/{invoice.Number}/pdf"))!.Status);
    }

    [Fact]
    public async Task A_customer_downloads_a_label_again_sees_scan_forms_calibrates_a_printer_and_links_and_unlinks_a_partner()
    {
        var (page, email) = await portal.CustomerAsync();

        // A print through the SDK (the browser's signed print is another page's), then its label again from the history.
        using (var anonymous = portal.Client())
        using (var sdk = portal.Client((await anonymous.LogInAsync(email, PortalFixture.Password)).Token))
        {
            await sdk.AddCardAsync("tok_visa");
            var meter = await sdk.LicenseMeterAsync("10001");
            var identity = await sdk.GetModuleIdentityAsync();
            var hmk = await sdk.RegisterMeterAsync(meter.MeterId, PortalFixture.Password, Convert.FromBase64String(identity.PublicKey));
            using var session = await sdk.OpenMeterSessionAsync(meter.MeterId, hmk, PortalFixture.Password);
            await session.BuyAsync(5_000);
            var printed = await session.PrintAsync(new PrintOrder(100, "94105", "FIRST-CLASS"));
            await page.GotoAsync("/meters/" + meter.MeterId);
            var labelLink = page.GetByRole(AriaRole.Link, new() { Name = $"Label {printed.IndiciumId} (PDF)" });
            await CustomerJourneyTests.ReloadUntilAsync(page, () => labelLink.CountAsync());
            await PortalFixture.CheckAsync(page, "79-meter-label-again");
            var label = await page.RunAndWaitForDownloadAsync(() => labelLink.ClickAsync());
            var bytes = await File.ReadAllBytesAsync((await label.PathAsync())!);
            Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
            // Another customer's browser gets the portal's 404 for it.
            var (other, _) = await portal.CustomerAsync();
            Assert.Equal(404, (await other.GotoAsync($"/meters/{meter.MeterId}/labels/{printed.IndiciumId}"))!.Status);
        }

        // No print today: the SCAN form is refused by name.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "SCAN forms" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Make today's SCAN form" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("NothingToManifest");
        await PortalFixture.CheckAsync(page, "80-scan-forms");

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Printers" }).ClickAsync();
        var printerId = await page.GetByLabel("Printer", new() { Exact = true }).InputValueAsync();
        await page.GetByLabel("Right (mils)").FillAsync("200");
        await page.GetByLabel("Down (mils)").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep the calibration" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("CalibrationOutOfRange");
        await page.GetByLabel("Right (mils)").FillAsync("20");
        await page.GetByLabel("Down (mils)").FillAsync("-10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep the calibration" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Calibration of {printerId} kept: 20 mils right, -10 mils down");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = printerId })).ToContainTextAsync("20, -10");
        await PortalFixture.CheckAsync(page, "81-printers");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Row).Filter(new() { HasText = printerId }).GetByRole(AriaRole.Link).ClickAsync());
        Assert.StartsWith($"test-print-{printerId}-", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.True(new FileInfo((await download.PathAsync())!).Length > 100, "the test print is empty");

        // A partner made by an operator, linked and unlinked here; the SDK's account sees each change.
        var partnerId = "link-" + Guid.NewGuid().ToString("N")[..8];
        using (var op = portal.Operator()) await op.CreatePartnerAsync(partnerId, "Linked Test Shop");
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Partners" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No partner is linked.")).ToBeVisibleAsync();
        await page.GetByLabel("Partner id (the partner gives it to you)").FillAsync(partnerId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Link the partner" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = partnerId })).ToContainTextAsync("Linked Test Shop");
        await PortalFixture.CheckAsync(page, "82-partners");
        await page.GetByRole(AriaRole.Button, new() { Name = "Unlink the partner" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Unlinked partner {partnerId}");
        await Assertions.Expect(page.GetByText("No partner is linked.")).ToBeVisibleAsync();
    }

    private static async Task<Invoice> RunInvoicesAsync(VbiClient operatorClient, string month, string customerId)
    {
        // The run waits for the fees consumer to apply the log; a run that stopped waiting (FeesNotCaughtUp) is run again.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return (await operatorClient.RunInvoicesAsync(month)).Invoices.Single(i => i.CustomerId == customerId);
            }
            catch (VbiApiException e) when (e.Code == "FeesNotCaughtUp" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }
}
