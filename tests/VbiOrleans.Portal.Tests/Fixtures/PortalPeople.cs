using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests.Fixtures;

/// <summary>The people of the portal's journeys: an operator signed in at a browser, a customer signed up at one, a customer with a printing meter through the SDK.</summary>
public static class PortalPeople
{
    /// <summary>A fresh browser signed in with the operator credential.</summary>
    public static async Task<IPage> OperatorAsync(this PortalFixture portal)
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/operator/login");
        await page.GetByLabel("Operator name").FillAsync(HostEnvironment.OperatorName);
        await page.GetByLabel("Operator key").FillAsync(HostEnvironment.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/operator$"));
        return page;
    }

    /// <summary>A fresh browser where a new customer signed up; the email is theirs.</summary>
    public static async Task<(IPage Page, string Email)> CustomerAsync(this PortalFixture portal)
    {
        var email = PortalFixture.NewEmail();
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));
        return (page, email);
    }

    /// <summary>A customer of the SDK with a card, a registered meter, postage bought with the card, and an open meter session (dispose it).</summary>
    public static async Task<SdkCustomer> SdkCustomerWithMeterAsync(this PortalFixture portal, long buyMills)
    {
        using var anonymous = portal.Client();
        var email = PortalFixture.NewEmail();
        var account = await anonymous.SignUpAsync(email, PortalFixture.Password);
        var client = portal.Client(account.Token);
        await client.AddCardAsync("tok_visa");
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, PortalFixture.Password, Convert.FromBase64String(identity.PublicKey));
        var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, PortalFixture.Password);
        await session.BuyAsync(buyMills);
        return new SdkCustomer(account.Customer.CustomerId, email, meter.MeterId, client, session);
    }
}

public sealed record SdkCustomer(string CustomerId, string Email, string MeterId, VbiClient Client, MeterSession Session) : IDisposable
{
    public void Dispose()
    {
        Session.Dispose();
        Client.Dispose();
    }
}
