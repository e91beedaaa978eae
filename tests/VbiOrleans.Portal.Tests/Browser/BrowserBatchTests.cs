using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Client;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests.Browser;

/// <summary>
/// A batch of prints from a CSV file on the meter's postage page: the file read and every row signed in the browser,
/// each row's idempotency key made from the file's bytes and the row. A row the server refuses is listed with its
/// code and the others print; the registers move by exactly the printed rows, and the same file sent again prints
/// nothing twice.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class BrowserBatchTests(PortalFixture portal)
{
    private const string MeterPassword = "a meter pass phrase for a batch";

    [Fact]
    public async Task A_CSV_batch_prints_its_good_rows_lists_the_refused_one_by_code_and_prints_nothing_twice_when_sent_again()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(PortalFixture.NewEmail());
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));
        var meterId = await BrowserMeterSteps.RegisterAndFundAsync(page, MeterPassword, "25.00");
        var status = page.GetByRole(AriaRole.Status);

        // Three rows: postage given, postage rated by weight (the server's rate, as the SDK reads it), and a class the
        // server does not know, refused by code before anything is signed.
        using var anonymous = portal.Client();
        var rated = (await anonymous.GetRatesAsync(new RateRequest("10001", "94107", "2", MailClass: "FIRST-CLASS"))).Quotes[0].PostageMills;
        var csv = Encoding.UTF8.GetBytes("to,class,weight,postage,format\n94107,FIRST-CLASS,,0.78,pdf\n94107,first-class,2,,png\n60601,NO-SUCH-CLASS,1,,pdf\n");
        var file = new FilePayload { Name = "prints.csv", MimeType = "text/csv", Buffer = csv };

        await page.GetByLabel("CSV file of prints").SetInputFilesAsync(file);
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the batch" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Printed 2 of 3 rows; 1 refused", new() { Timeout = 60_000 });
        var count = page.Locator("[data-vbi=batch-count]");
        await Assertions.Expect(count).ToHaveTextAsync("3 of 3 rows done: 2 printed, 1 refused.");
        await Assertions.Expect(page.Locator("#batch-progress")).ToHaveAttributeAsync("value", "3");
        var refused = page.Locator("[data-vbi=batch-rows] li[data-outcome=refused]");
        await Assertions.Expect(refused).ToHaveCountAsync(1);
        await Assertions.Expect(refused).ToContainTextAsync("Line 4: refused UnknownMailClass");
        var labels = page.Locator("[data-vbi=batch-rows] li[data-outcome=printed] a");
        await Assertions.Expect(labels).ToHaveCountAsync(2);
        // The printed rows can be refunded from the same page.
        await Assertions.Expect(page.Locator("#refund-id option")).ToHaveCountAsync(2);
        await PortalFixture.CheckAsync(page, "83-postage-batch");

        // The links lead to the labels: the PNG row's is a PNG.
        var pngHref = await labels.Nth(1).GetAttributeAsync("href");
        Assert.EndsWith("?format=png", pngHref, StringComparison.Ordinal);
        var png = await page.APIRequest.GetAsync(pngHref!);
        Assert.Equal(200, png.Status);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await png.BodyAsync())[..4]);

        // The registers, as the server has them (the page rendered again): moved by exactly the two prints.
        var printed = 780 + rated;
        var expectedAscending = Dollars(printed);
        var expectedDescending = Dollars(25_000 - printed);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-vbi=ascending]")).ToHaveTextAsync(expectedAscending);
        await Assertions.Expect(page.Locator("[data-vbi=descending]")).ToHaveTextAsync(expectedDescending);

        // The same file again: the same keys, so the printed rows answer with what they printed and nothing moves.
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await page.GetByLabel("CSV file of prints").SetInputFilesAsync(file);
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the batch" }).ClickAsync();
        await Assertions.Expect(count).ToHaveTextAsync("3 of 3 rows done: 2 printed, 1 refused.", new() { Timeout = 60_000 });
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-vbi=ascending]")).ToHaveTextAsync(expectedAscending);
        await Assertions.Expect(page.Locator("[data-vbi=descending]")).ToHaveTextAsync(expectedDescending);
        Assert.NotEmpty(meterId);

        // A file beyond the bound (Vbi:Portal:BatchRowLimit, 500) is refused whole: nothing printed.
        var tooMany = Encoding.UTF8.GetBytes("to,class,postage\n" + string.Concat(Enumerable.Repeat("94107,FIRST-CLASS,0.78\n", 501)));
        await page.GetByLabel("CSV file of prints").SetInputFilesAsync(new FilePayload { Name = "many.csv", MimeType = "text/csv", Buffer = tooMany });
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the batch" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("ValidationFailed a batch has at most 500 rows");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-vbi=ascending]")).ToHaveTextAsync(expectedAscending);
    }

    private static string Dollars(long mills) =>
        "$" + (mills / 1000).ToString(CultureInfo.InvariantCulture) + "." + (mills % 1000).ToString("000", CultureInfo.InvariantCulture);
}
