using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Host.Portal;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests;

/// <summary>A host whose payment provider is the Stripe adapter with a publishable key: the payment page runs Stripe.js.</summary>
public sealed class StripeCardEntryHostFixture : LocalPortalHostFixture
{
    public const string PublishableKey = "pk_test_vbiPortalCardEntry";

    protected override void Configure(Dictionary<string, string?> env)
    {
        env["Vbi__Payments__Provider"] = "stripe";
        env["Vbi__Payments__Stripe__BaseUrl"] = LocalServices.Require("VBI_STRIPE_URL");
        env["Vbi__Payments__Stripe__ApiKey"] = HostEnvironment.StripeTestApiKey;
        env["Vbi__Portal__StripePublishableKey"] = PublishableKey;
    }
}

/// <summary>
/// Card entry through Stripe.js: under the Stripe adapter with a publishable key, the payment page alone names
/// Stripe's origin in its policy and loads Stripe.js from it (no request to Stripe is let out: the test asserts the
/// headers and the script tag); every other page keeps the strict policy. The shared portal host (the payment mock,
/// no publishable key) keeps the test-token form and the strict policy on the payment page too.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class StripeCardEntryTests(StripeCardEntryHostFixture fixture, PortalFixture portal) : IClassFixture<StripeCardEntryHostFixture>
{
    [Fact]
    public async Task Without_a_publishable_key_the_payment_page_takes_test_tokens_under_the_strict_policy_and_loads_nothing_from_outside()
    {
        var (page, _) = await portal.CustomerAsync();
        var outside = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(portal.BaseAddress.ToString(), StringComparison.Ordinal)) outside.Add(request.Url);
        };
        var response = await page.GotoAsync("/payment-methods");
        Assert.Equal(PortalSetup.ContentSecurityPolicy, (await response!.AllHeadersAsync())["content-security-policy"]);
        Assert.Equal(0, await page.Locator("script[src]").CountAsync());
        await page.GetByLabel("Card token").FillAsync("tok_visa");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the card" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Added Visa ending in 4242");
        Assert.Empty(outside);
    }

    [Fact]
    public async Task Only_the_payment_page_names_Stripes_origin_in_its_policy_and_loads_Stripe_js_from_it()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Host.BaseAddress.ToString(), Locale = "en-US" });
        context.SetDefaultTimeout(15_000);
        // No network to Stripe: the request for Stripe.js is seen and refused here.
        var stripeRequests = new List<string>();
        await context.RouteAsync("https://**/*", async route =>
        {
            stripeRequests.Add(route.Request.Url);
            await route.AbortAsync();
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(PortalFixture.NewEmail());
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));

        var payment = await page.GotoAsync("/payment-methods");
        var policy = Directives((await payment!.AllHeadersAsync())["content-security-policy"]);
        Assert.Equal("'self' https://js.stripe.com", policy["script-src"]);
        Assert.Equal("https://js.stripe.com", policy["frame-src"]);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.Equal("'self'", policy["style-src"]);
        // The one outside script is Stripe.js from Stripe's origin; the page's own script is the host's.
        var scripts = await page.Locator("script[src]").EvaluateAllAsync<string[]>("s => s.map(e => e.getAttribute('src'))");
        Assert.Contains(PortalCardEntry.StripeJsUrl, scripts);
        Assert.All(scripts.Where(s => s.StartsWith("http", StringComparison.Ordinal)), s => Assert.Equal(PortalCardEntry.StripeJsUrl, s));
        Assert.Equal(StripeCardEntryHostFixture.PublishableKey, await page.Locator("[data-vbi-card=stripe]").GetAttributeAsync("data-publishable-key"));
        Assert.Equal([PortalCardEntry.StripeJsUrl], stripeRequests.Distinct());
        // No test-token field: the card is entered in Stripe's frame only (here it did not load, and the page says so).
        await Assertions.Expect(page.GetByLabel("Card token")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("did not load");
        await PortalFixture.CheckAsync(page, "86-payment-methods-stripe-js");

        // Every other page: the strict policy, no outside origin, no Stripe.js.
        foreach (var path in new[] { "/", "/meters", "/meters/register", "/shipping", "/invoices", "/plan" })
        {
            var response = await page.GotoAsync(path);
            var header = (await response!.AllHeadersAsync())["content-security-policy"];
            Assert.Equal(PortalSetup.ContentSecurityPolicy, header);
            Assert.DoesNotContain("stripe", header, StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator("script[src^='https:']").CountAsync());
        }
        Assert.Equal([PortalCardEntry.StripeJsUrl], stripeRequests.Distinct());
        await context.DisposeAsync();
    }

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
}

/// <summary>Which card entry a host's configuration gives, and that a secret key is never taken for the publishable one.</summary>
public sealed class PortalCardEntryTests
{
    [Fact]
    public void Stripe_js_only_with_the_Stripe_adapter_and_a_publishable_key_and_a_secret_key_stops_the_host()
    {
        Assert.True(PortalCardEntry.For("stripe", "pk_live_abc123").UsesStripeJs);
        Assert.False(PortalCardEntry.For("test-mode", "pk_test_abc123").UsesStripeJs);
        Assert.False(PortalCardEntry.For("stripe", null).UsesStripeJs);
        Assert.False(PortalCardEntry.For("stripe", " ").UsesStripeJs);
        Assert.Throws<ArgumentException>(() => PortalCardEntry.For("stripe", "sk_live_abc123"));
        Assert.Throws<ArgumentException>(() => PortalCardEntry.For("stripe", "pk_live_\"><script>"));
    }
}
