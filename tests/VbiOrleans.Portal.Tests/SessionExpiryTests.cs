using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// A Local-profile host whose sessions are short (idle 5 s, absolute 14 s), so that both expiries can be watched in a
/// browser within seconds; the idle timeout is long enough that a loaded machine's slow page loads cannot reach it
/// between two checks. The Local profile is enough here: what expires is the cookie's ticket, not stored state.
/// </summary>
public sealed class ShortSessionHostFixture : LocalPortalHostFixture
{
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Absolute = TimeSpan.FromSeconds(14);

    protected override void Configure(Dictionary<string, string?> env)
    {
        env["Vbi__Portal__CustomerIdleTimeout"] = Idle.ToString();
        env["Vbi__Portal__CustomerSessionLifetime"] = Absolute.ToString();
    }
}

public sealed class SessionExpiryTests(ShortSessionHostFixture fixture) : IClassFixture<ShortSessionHostFixture>
{
    [Fact]
    public async Task A_session_ends_after_its_idle_timeout_and_after_its_absolute_lifetime_however_active()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Host.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var email = PortalFixture.NewEmail();
        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));

        // Active every second, which keeps sliding the idle timeout: still signed in past the idle timeout, until the
        // absolute lifetime from sign-up ends the session.
        var since = Stopwatch.StartNew();
        var lastSignedIn = TimeSpan.Zero;
        while (since.Elapsed < ShortSessionHostFixture.Absolute + TimeSpan.FromSeconds(4))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            await page.GotoAsync("/meters");
            if (!new Uri(page.Url).AbsolutePath.Equals("/meters", StringComparison.Ordinal)) break;
            lastSignedIn = since.Elapsed;
        }
        Assert.Matches(new Regex("/login\\?ReturnUrl=%2Fmeters$"), page.Url);
        Assert.True(lastSignedIn > ShortSessionHostFixture.Idle + TimeSpan.FromSeconds(1),
            $"an active session ended after {lastSignedIn}, before its absolute lifetime ({ShortSessionHostFixture.Absolute})");
        Assert.True(since.Elapsed >= ShortSessionHostFixture.Absolute - TimeSpan.FromSeconds(1), $"the session ended after {since.Elapsed}");

        // A fresh session left alone past its idle timeout ends too.
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));
        await Task.Delay(ShortSessionHostFixture.Idle + TimeSpan.FromSeconds(1));
        await page.GotoAsync("/meters");
        Assert.Matches(new Regex("/login\\?ReturnUrl=%2Fmeters$"), page.Url);
    }
}
