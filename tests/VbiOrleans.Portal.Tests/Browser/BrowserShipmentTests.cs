using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Client;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests.Browser;

/// <summary>
/// What the CLI does with a shipment and a meter's end of life, from the browser, each request signed there: a shipping
/// label (the recipient chosen among the matcher's candidates, a rate chosen among the classes, the shipment signed
/// with the print; its Data Matrix read and verified, its IMpb barcode read, the recipient in the history), a CSV batch with address rows (one
/// that does not match refused by code), the meter password changed (both passwords sealed in the browser; the old one
/// refused afterwards) and the meter withdrawn (its postage paid back).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class BrowserShipmentTests(PortalFixture portal)
{
    private const string MeterPassword = "a meter pass phrase to ship with";
    private const string NewMeterPassword = "another pass phrase, changed in the browser";
    private const string Sender = "Acme Shop, 350 5th Ave, New York NY 10001";

    [Fact]
    public async Task A_customer_prints_a_shipping_label_and_a_batch_with_addresses_changes_the_meter_password_and_withdraws_the_meter()
    {
        var (page, email) = await portal.CustomerAsync();
        var sent = new ConcurrentQueue<string>();
        page.Context.Request += (_, request) =>
        {
            if (request.PostData is { } body) sent.Enqueue(body);
        };
        var meterId = await BrowserMeterSteps.RegisterAndFundAsync(page, MeterPassword, "60.00");
        var status = page.GetByRole(AriaRole.Status);

        using var anonymous = portal.Client();
        using var sdk = portal.Client((await anonymous.LogInAsync(email, PortalFixture.Password)).Token);

        // From the shipping page to the meter's shipping label page.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Shipping" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "a shipping label from meter " + meterId }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/meters/{meterId}/shipping$"));
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await PortalFixture.CheckAsync(page, "90-shipping-label");

        // A recipient whose ZIP is wrong: the matcher's candidates, best first, as the API ranks them; the ZIP-corrected one is chosen.
        const string recipient = "Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94301";
        await page.GetByLabel("Sender, on one line").FillAsync(Sender);
        await page.GetByLabel("Recipient, on one line").FillAsync(recipient);
        await page.GetByRole(AriaRole.Button, new() { Name = "Match the addresses" }).ClickAsync();
        var candidates = page.Locator("[data-vbi=candidates] input[type=radio]");
        var offered = await sdk.MatchAddressAsync(recipient);
        await Assertions.Expect(candidates).ToHaveCountAsync(offered.Candidates.Count);
        var pick = offered.Candidates.First(c => c.Type == "ZipCorrected");
        var zip = pick.Address.Zip!;
        await page.GetByLabel(new Regex($"^{pick.Rank}\\. ZipCorrected: JANE ROE, 1 DR CARLTON B GOODLETT PL")).CheckAsync();
        await PortalFixture.CheckAsync(page, "91-shipping-label-candidates");

        // Rates for 12 oz in a 12x10x4 box, as the SDK reads them; the second cheapest is chosen.
        await page.GetByLabel("Parcel weight in ounces").FillAsync("12");
        await page.GetByLabel("Parcel size in inches").FillAsync("4x12x10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Shop rates" }).ClickAsync();
        var rates = await anonymous.GetRatesAsync(new RateRequest("10001", zip, "12", "12x10x4"));
        Assert.True(rates.Quotes.Count > 1, "more than one class takes the parcel");
        var quotes = page.Locator("[data-vbi=quotes] label");
        await Assertions.Expect(quotes).ToHaveTextAsync(rates.Quotes.Select(q => new Regex("^" + Regex.Escape($"{q.MailClass}: {q.Postage} "))).ToArray());
        var chosen = rates.Quotes[1];
        await quotes.Nth(1).ClickAsync();
        await page.GetByLabel("Label file").SelectOptionAsync("png");
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the shipping label" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Printed indicium", new() { Timeout = 30_000 });
        await Assertions.Expect(status).ToContainTextAsync($"for {chosen.Postage} {chosen.MailClass} to JANE ROE, 1 DR CARLTON B GOODLETT PL, SAN FRANCISCO CA {zip}");
        await Assertions.Expect(page.Locator("[data-vbi=descending]")).ToHaveTextAsync(Dollars(60_000 - chosen.PostageMills));
        var printedText = await status.InnerTextAsync();
        var indiciumId = Regex.Match(printedText, "Printed indicium (\\S+) ").Groups[1].Value;
        var tracking = Regex.Match(printedText, "tracking (\\d{22})").Groups[1].Value;
        Assert.NotEmpty(tracking);
        await Assertions.Expect(page.Locator("[data-vbi=label] img")).ToBeVisibleAsync();
        await PortalFixture.CheckAsync(page, "92-shipping-label-printed");

        // The label's Data Matrix, read from the downloaded PNG, is the indicium the API verifies: this postage to the recipient's ZIP.
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Download the label \\(PNG\\)") }).ClickAsync());
        var png = Path.Combine(PortalFixture.ScreenshotFolder, "92-shipping-label-" + meterId + ".png");
        await download.SaveAsAsync(png);
        var verified = await anonymous.VerifyIndiciumAsync(BrowserProtocolJourneyTests.ScanDataMatrix(png));
        Assert.True(verified.Valid, string.Join("; ", verified.Reasons));
        Assert.Equal(chosen.PostageMills, verified.Indicium!.PostageMills);
        Assert.Equal(zip, verified.Indicium.DestinationZip);
        // Its IMpb barcode (GS1-128): the recipient's ZIP (AI 420), FNC1 (read as the group separator), the tracking number the page showed.
        Assert.Equal($"420{zip}\u001d{tracking}", ScanCode128(png));

        // The shipment signed with the print is the one kept: the recipient and tracking number in the history (the API's and the page's).
        var entry = (await sdk.GetHistoryAsync(meterId)).Entries.Single(e => e.IndiciumId == indiciumId);
        Assert.Equal("JANE ROE", entry.Shipment!.RecipientName);
        Assert.Equal(zip, entry.Shipment.RecipientZip[..5]);
        Assert.Equal("10001", entry.Shipment.FromZip);
        Assert.Equal(tracking, entry.Shipment.TrackingNumber);
        await page.GetByRole(AriaRole.Link, new() { Name = "The meter's registers and history" }).ClickAsync();
        var row = page.Locator("tbody tr").Filter(new() { HasText = indiciumId });
        await Assertions.Expect(row).ToContainTextAsync("JANE ROE, SAN FRANCISCO CA " + zip);
        await Assertions.Expect(row).ToContainTextAsync("tracking " + tracking);

        // A batch with address rows: one printed to its recipient, one whose address does not match refused by code
        // (nothing charged), and a row to a ZIP.
        await page.GotoAsync($"/meters/{meterId}/postage");
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        var csv = Encoding.UTF8.GetBytes($"""
            to,from,class,weight,dims,format
            "John Doe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102","{Sender}",PRIORITY,8,10x8x6,pdf
            "Nobody, 1 Main St, Palo Alto CA 94102","{Sender}",PRIORITY,8,,pdf
            94107,,FIRST-CLASS,1,,pdf

            """);
        await page.GetByLabel("CSV file of prints").SetInputFilesAsync(new FilePayload { Name = "ship.csv", MimeType = "text/csv", Buffer = csv });
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the batch" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Printed 2 of 3 rows; 1 refused", new() { Timeout = 60_000 });
        var printedRows = page.Locator("[data-vbi=batch-rows] li[data-outcome=printed]");
        await Assertions.Expect(printedRows.First).ToContainTextAsync(new Regex("Line 2: printed \\$\\S+ to JOHN DOE, 1 DR CARLTON B GOODLETT PL, SAN FRANCISCO CA 94102\\S*, tracking \\d{22}"));
        await Assertions.Expect(page.Locator("[data-vbi=batch-rows] li[data-outcome=refused]")).ToContainTextAsync("Line 3: refused AddressNotMatched");
        await PortalFixture.CheckAsync(page, "93-postage-batch-shipments");
        var shipmentRate = (await anonymous.GetRatesAsync(new RateRequest("10001", "94102", "8", "10x8x6", "PRIORITY"))).Quotes[0].PostageMills;
        var letterRate = (await anonymous.GetRatesAsync(new RateRequest("10001", "94107", "1", MailClass: "FIRST-CLASS"))).Quotes[0].PostageMills;
        var left = 60_000 - chosen.PostageMills - shipmentRate - letterRate;
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-vbi=descending]")).ToHaveTextAsync(Dollars(left));
        var recipients = (await sdk.GetHistoryAsync(meterId)).Entries.Where(e => e.Shipment is not null).Select(e => e.Shipment!.RecipientName).ToList();
        Assert.Equal(new[] { "JOHN DOE", "JANE ROE" }, recipients);

        // The meter password: a wrong current one refused by the module, then changed; the meter's session is closed.
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await page.GetByLabel("Current password").FillAsync("not the meter's password");
        await page.GetByLabel("New password (10 to 128 characters)").FillAsync(NewMeterPassword);
        await page.GetByLabel("The new password again").FillAsync(NewMeterPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change the password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("WrongPassword", new() { Timeout = 30_000 });
        await page.GetByLabel("Current password").FillAsync(MeterPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change the password" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync($"The password of meter {meterId} is changed", new() { Timeout = 30_000 });
        await PortalFixture.CheckAsync(page, "94-postage-password-changed");

        // The withdrawal, signed in the browser: the old password no longer opens a session, the new one does.
        await page.GetByLabel("I understand that the withdrawal is final").CheckAsync();
        await page.GetByLabel("Meter password").FillAsync(MeterPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw the meter" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("WrongPassword", new() { Timeout = 30_000 });
        await page.GetByLabel("Meter password").FillAsync(NewMeterPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw the meter" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync($"Meter {meterId} is withdrawn: {Dollars(left)} of unused postage is paid back", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-vbi=descending]")).ToHaveTextAsync("$0.000");
        await PortalFixture.CheckAsync(page, "95-postage-withdrawn");
        await page.GotoAsync("/meters/" + meterId);
        await Assertions.Expect(page.Locator("dl.registers dd").First).ToHaveTextAsync("Withdrawn");
        await page.GotoAsync($"/meters/{meterId}/shipping");
        await Assertions.Expect(page.GetByText($"Meter {meterId} is withdrawn: it takes no more requests.")).ToBeVisibleAsync();
        var payout = Assert.Single(await sdk.ListRefundsAsync(), r => r.MeterId == meterId);
        Assert.Equal(left, payout.AmountMills);

        // Another customer's browser gets the same 404 for this meter's shipping label page as for a meter that does not exist.
        var (other, _) = await portal.CustomerAsync();
        Assert.Equal(404, (await other.GotoAsync($"/meters/{meterId}/shipping"))!.Status);
        Assert.Equal(404, (await other.GotoAsync("/meters/m-00000000000000000000000000000000/shipping"))!.Status);

        // Neither meter password reached the server in clear (the change went out sealed).
        Assert.Contains(sent, body => body.Contains("sealedPasswords", StringComparison.Ordinal));
        foreach (var secret in new[] { MeterPassword, NewMeterPassword })
        {
            Assert.DoesNotContain(sent, body => body.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(sent, body => body.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), StringComparison.Ordinal));
            Assert.DoesNotContain(portal.Host.Output.Concat(portal.Host.Errors), line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>The label's Code 128 barcode as ZXingReader (Debian's zxing-cpp-tools) reads it: its text.</summary>
    private static string ScanCode128(string png)
    {
        var start = new ProcessStartInfo("ZXingReader") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-format", "Code128", png }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(30_000);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Text:", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"ZXingReader found no Code 128 in {png}: {output}");
        return line["Text:".Length..].Trim().Trim('"');
    }

    private static string Dollars(long mills) =>
        "$" + (mills / 1000).ToString(CultureInfo.InvariantCulture) + "." + (mills % 1000).ToString("000", CultureInfo.InvariantCulture);
}
