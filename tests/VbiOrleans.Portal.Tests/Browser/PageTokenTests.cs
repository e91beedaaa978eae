using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests.Browser;

/// <summary>
/// The API credential of a page that runs the protocol (POST /portal/api-token): only for a signed-in customer's
/// session with the page's antiforgery token; a short-lived customer token that the API takes; revoked like any other.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PageTokenTests(PortalFixture portal)
{
    [Fact]
    public async Task A_page_token_needs_the_customer_session_and_the_page_antiforgery_token_and_is_a_short_lived_customer_token()
    {
        var page = await portal.NewPageAsync();

        // No session: no token (the cookie scheme sends the request to the log-in page, never a token).
        var anonymous = await page.APIRequest.PostAsync("/portal/api-token", new() { MaxRedirects = 0 });
        Assert.Equal(302, anonymous.Status);
        Assert.Contains("/login", anonymous.Headers["location"], StringComparison.Ordinal);

        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(PortalFixture.NewEmail());
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));

        // The session alone is not enough: the page's antiforgery token must come in the header.
        var withoutToken = await page.APIRequest.PostAsync("/portal/api-token");
        Assert.Equal(400, withoutToken.Status);
        Assert.Contains("ValidationFailed", await withoutToken.TextAsync(), StringComparison.Ordinal);
        var wrongToken = await page.APIRequest.PostAsync("/portal/api-token", new() { Headers = new Dictionary<string, string> { ["RequestVerificationToken"] = "forged" } });
        Assert.Equal(400, wrongToken.Status);

        // From the page, as its script asks: a customer token the API takes, ending within the configured 10 minutes.
        await page.GotoAsync("/meters/register");
        var answer = await page.EvaluateAsync<string>("""
            async () => {
                const verification = document.querySelector("input[name=__RequestVerificationToken]").value;
                const r = await fetch("/portal/api-token", { method: "POST", headers: { RequestVerificationToken: verification } });
                return JSON.stringify({ status: r.status, cache: r.headers.get("cache-control"), body: await r.json() });
            }
            """);
        using var json = JsonDocument.Parse(answer);
        Assert.Equal(200, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("no-store", json.RootElement.GetProperty("cache").GetString());
        var token = json.RootElement.GetProperty("body").GetProperty("token").GetString()!;
        var expires = json.RootElement.GetProperty("body").GetProperty("expiresAt").GetDateTimeOffset();
        Assert.StartsWith("vbiu_", token, StringComparison.Ordinal);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10.5));

        using var client = portal.Client(token);
        var me = await client.GetMeAsync();
        Assert.NotNull(me);
        await client.LogOutAsync();
        var revoked = await Assert.ThrowsAsync<VbiOrleans.Client.VbiApiException>(() => client.GetMeAsync());
        Assert.Equal(401, revoked.Status);
    }
}
