using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace VbiOrleans.Portal.Tests.Browser;

/// <summary>The steps a signed-in customer takes in the browser before printing: a card, a meter registered here, postage bought.</summary>
internal static class BrowserMeterSteps
{
    /// <summary>
    /// Adds the payment mock's test card, registers a meter in this browser with <paramref name="meterPassword"/>, and buys
    /// <paramref name="dollars"/> of postage on its postage page (left open). Returns the meter's id.
    /// </summary>
    public static async Task<string> RegisterAndFundAsync(IPage page, string meterPassword, string dollars)
    {
        await page.GotoAsync("/payment-methods");
        await page.GetByLabel("Card token").FillAsync("tok_visa");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the card" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Added Visa ending in 4242");

        await page.GotoAsync("/meters/register");
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await page.GetByLabel("Licensing ZIP (5 digits)").FillAsync("10001");
        await page.GetByLabel("Meter password (10 to 128 characters)").FillAsync(meterPassword);
        await page.GetByLabel("The meter password again").FillAsync(meterPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Register the meter" }).ClickAsync();
        var status = page.GetByRole(AriaRole.Status);
        await Assertions.Expect(status).ToContainTextAsync("is registered with this browser", new() { Timeout = 30_000 });
        var meterId = Regex.Match(await status.InnerTextAsync(), "Meter (m-[a-z0-9-]+) is registered").Groups[1].Value;

        await page.GetByRole(AriaRole.Link, new() { Name = "buy postage and print" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await page.GetByLabel("Meter password").FillAsync(meterPassword);
        await page.GetByLabel("Amount in dollars").FillAsync(dollars);
        await page.GetByRole(AriaRole.Button, new() { Name = "Buy postage" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync($"Bought ${dollars}0 of postage", new() { Timeout = 30_000 });
        return meterId;
    }
}
