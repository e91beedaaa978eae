using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Host.Portal;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// The portal's security as a browser and an attacker meet it: one customer never reaches another's meter, operator
/// pages need the operator's session, every page carries the strict Content-Security-Policy, the session cookies are
/// Secure, HttpOnly and SameSite=Strict, and a form posted without its antiforgery token changes nothing.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class SecurityTests(PortalFixture portal)
{
    [Fact]
    public async Task Customer_B_gets_404_on_customer_A_meter_page_and_a_customer_session_opens_no_operator_page()
    {
        // Customer A with a meter, through the SDK.
        using var anonymous = portal.Client();
        var a = await anonymous.SignUpAsync(PortalFixture.NewEmail(), PortalFixture.Password);
        using var clientA = portal.Client(a.Token);
        var meterA = await clientA.LicenseMeterAsync("10001");

        // Customer B signs up in the browser.
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(PortalFixture.NewEmail());
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));

        var response = await page.GotoAsync($"/meters/{meterA.MeterId}");
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync("Postage available");
        await PortalFixture.CheckAsync(page, "30-meter-not-yours");
        // A meter id that exists nowhere looks the same: the page does not tell which ids exist.
        Assert.Equal(404, (await page.GotoAsync("/meters/m-000000000000"))!.Status);

        // B's session is a customer's: every operator page sends it to the operator log-in.
        foreach (var path in new[] { "/operator", "/operator/modules", "/operator/meters/inhibited", "/operator/audit", "/operator/ledger",
                     "/operator/meters", $"/operator/meters/{meterA.MeterId}", "/operator/system", "/operator/customers", $"/operator/customers/{a.Customer.CustomerId}",
                     "/operator/partners", "/operator/provider", "/operator/reconciliation" })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/operator/login\\?ReturnUrl="));
        }
        // And the API takes no cookie: the portal's session is no credential there.
        var api = await page.APIRequest.GetAsync("/v1/customers/me");
        Assert.Equal(401, api.Status);
    }

    [Fact]
    public async Task Every_page_has_the_strict_content_security_policy_and_the_session_cookies_are_secure_httponly_and_strict()
    {
        var page = await portal.NewPageAsync();
        foreach (var path in new[] { "/", "/signup", "/login", "/operator/login" })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            var headers = await response.AllHeadersAsync();
            Assert.Equal(PortalSetup.ContentSecurityPolicy, headers["content-security-policy"]);
            Assert.Contains("default-src 'self'", headers["content-security-policy"]);
            Assert.DoesNotContain("unsafe-inline", headers["content-security-policy"]);
            Assert.Equal("nosniff", headers["x-content-type-options"]);
            Assert.Equal("DENY", headers["x-frame-options"]);
            // Nothing inline for the policy to let through: no script at all, no style attribute or element.
            var html = await page.ContentAsync();
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        }
        // The host's own stylesheet is what the policy lets through: it loads and applies (the header's band colour).
        Assert.Equal("rgb(11, 61, 92)", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('header.site')).backgroundColor"));

        // An inline script injected into a page is refused by the browser under the policy.
        await page.GotoAsync("/login");
        var refusal = await page.RunAndWaitForConsoleMessageAsync(
            () => page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'document.title = \"injected\"'; document.body.appendChild(s); }"),
            new() { Predicate = m => m.Text.Contains("Content Security Policy", StringComparison.Ordinal) });
        Assert.Contains("script-src 'self'", refusal.Text);
        Assert.NotEqual("injected", await page.TitleAsync());

        // The customer's session cookie, as the browser stored it and as the server set it.
        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(PortalFixture.NewEmail());
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        var signUp = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/signup", StringComparison.Ordinal));
        var setCookie = (await signUp.HeadersArrayAsync()).Where(h => h.Name.Equals("set-cookie", StringComparison.OrdinalIgnoreCase))
            .Select(h => h.Value).First(v => v.StartsWith("__Host-vbi-customer=", StringComparison.Ordinal));
        Assert.Contains("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires=", setCookie, StringComparison.OrdinalIgnoreCase); // a session cookie: the server's expiry is in the ticket
        var stored = (await page.Context.CookiesAsync()).Single(c => c.Name == "__Host-vbi-customer");
        Assert.True(stored.Secure && stored.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, stored.SameSite);
        Assert.Equal(-1, stored.Expires);
        var antiforgery = (await page.Context.CookiesAsync()).Single(c => c.Name == PortalSetup.AntiforgeryCookie);
        Assert.True(antiforgery.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, antiforgery.SameSite);

        // The operator's session cookie, the same way.
        var operatorPage = await portal.NewPageAsync();
        await operatorPage.GotoAsync("/operator/login");
        await operatorPage.GetByLabel("Operator name").FillAsync(VbiOrleans.Host.Tests.Fixtures.HostEnvironment.OperatorName);
        await operatorPage.GetByLabel("Operator key").FillAsync(VbiOrleans.Host.Tests.Fixtures.HostEnvironment.OperatorKey);
        await operatorPage.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(operatorPage).ToHaveURLAsync(new Regex("/operator$"));
        var operatorCookie = (await operatorPage.Context.CookiesAsync()).Single(c => c.Name == "__Host-vbi-operator");
        Assert.True(operatorCookie.Secure && operatorCookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, operatorCookie.SameSite);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused_and_changes_nothing()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = portal.BaseAddress };
        var email = PortalFixture.NewEmail();
        // What a page on another site could post: the sign-up form's fields, without the token.
        var response = await http.PostAsync("/signup", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signup", ["Input.Email"] = email, ["Input.Password"] = PortalFixture.Password,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(v => v.StartsWith("__Host-vbi-customer", StringComparison.Ordinal)));
        // No account was made: the address is still free for a sign-up through the API.
        using var client = portal.Client();
        var account = await client.SignUpAsync(email, PortalFixture.Password);
        Assert.Equal(email, account.Customer.Email);
    }
}
