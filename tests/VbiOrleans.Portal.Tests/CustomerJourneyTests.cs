using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// A customer's first visit, in a real browser: sign up, a card from the payment provider's test token, a meter
/// (licensed and registered by the SDK as the CLI does, the browser's own registration being the next part), postage
/// bought with the card added in the browser, then the meter, its registers and its history, and the invoices.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CustomerJourneyTests(PortalFixture portal)
{
    [Fact]
    public async Task A_customer_signs_up_adds_a_card_and_sees_their_meter_its_registers_and_history()
    {
        var email = PortalFixture.NewEmail();
        var page = await portal.NewPageAsync();

        await page.GotoAsync("/");
        await PortalFixture.CheckAsync(page, "01-home");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await PortalFixture.CheckAsync(page, "02-signup");

        // A password the policy refuses: the stable code, and no account.
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("PasswordRejected");
        await PortalFixture.CheckAsync(page, "03-signup-refused");

        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Name (optional)").FillAsync("Ada Portal");
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));
        await Assertions.Expect(page.GetByText("You have no meter yet")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Signed in as " + email)).ToBeVisibleAsync();
        await PortalFixture.CheckAsync(page, "04-meters-empty");

        // A card from the payment provider's test token; only its brand and last 4 digits come back.
        await page.GetByRole(AriaRole.Link, new() { Name = "Payment methods" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No payment method yet.")).ToBeVisibleAsync();
        await PortalFixture.CheckAsync(page, "05-payment-methods-empty");
        await page.GetByLabel("Card token").FillAsync("tok_visa");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the card" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Added Visa ending in 4242");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "4242" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("Card");
        await Assertions.Expect(row).ToContainTextAsync("Yes"); // the first method is the default
        await PortalFixture.CheckAsync(page, "06-payment-methods-card");

        // A token the provider declines: its code on the page, and still one card.
        await page.GetByLabel("Card token").FillAsync("tok_chargeDeclined");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the card" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Declined");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Card" })).ToHaveCountAsync(1);

        // The meter, through the SDK as the vbi CLI makes one; the postage is bought with the card added above.
        using var anonymous = portal.Client();
        var session = await anonymous.LogInAsync(email, PortalFixture.Password);
        using var client = portal.Client(session.Token);
        Assert.Single(await client.ListPaymentMethodsAsync());
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, PortalFixture.Password, Convert.FromBase64String(identity.PublicKey));
        using (var meterSession = await client.OpenMeterSessionAsync(meter.MeterId, hmk, PortalFixture.Password))
        {
            await meterSession.BuyAsync(25_000); // $25.00
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Meters" }).ClickAsync();
        var meterRow = page.GetByRole(AriaRole.Row).Filter(new() { HasText = meter.MeterId });
        await Assertions.Expect(meterRow).ToContainTextAsync("$25.000");
        await PortalFixture.CheckAsync(page, "07-meters");

        await page.GetByRole(AriaRole.Link, new() { Name = meter.MeterId }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Meter " + meter.MeterId })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("$25.000");
        // The history is a projection of the log, a moment behind it: the page shows it once it has caught up.
        await ReloadUntilAsync(page, () => page.GetByRole(AriaRole.Row).Filter(new() { HasText = "$25.000" }).CountAsync());
        await PortalFixture.CheckAsync(page, "08-meter");

        await page.GetByRole(AriaRole.Link, new() { Name = "Invoices" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Invoices" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("No invoice yet")).ToBeVisibleAsync();
        await PortalFixture.CheckAsync(page, "09-invoices");

        await page.GetByRole(AriaRole.Link, new() { Name = "Log out" }).ClickAsync();
        await PortalFixture.CheckAsync(page, "10-logout");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/$"));
        await page.GotoAsync("/meters");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=%2Fmeters$"));
        await PortalFixture.CheckAsync(page, "11-login");

        // Logging in again returns to the page asked for.
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = meter.MeterId })).ToHaveCountAsync(1);
    }

    /// <summary>Reloads the page until the count is positive (the history projection follows the log within seconds; 15 s at most).</summary>
    internal static async Task ReloadUntilAsync(IPage page, Func<Task<int>> count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await count() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{page.Url} did not show what was expected within 15 s");
            await Task.Delay(300);
            await page.ReloadAsync();
        }
    }
}
