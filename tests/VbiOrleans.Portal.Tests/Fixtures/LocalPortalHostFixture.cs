using Microsoft.Playwright;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests.Fixtures;

/// <summary>
/// A Local-profile host of its own, in a data directory of its own, with the settings a test class needs on top of the
/// Local defaults, and a chromium to drive it: for what the shared Cluster host (<see cref="PortalFixture"/>) cannot be
/// set to do.
/// </summary>
public abstract class LocalPortalHostFixture : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "vbi-portal-" + Guid.NewGuid().ToString("N")[..8]);

    public HostProcess Host { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The settings of this host beyond the Local profile's.</summary>
    protected abstract void Configure(Dictionary<string, string?> env);

    public async Task InitializeAsync()
    {
        var env = HostEnvironment.Local(_dataDirectory);
        env["Vbi__Api__AccountPasswordIterations"] = "20000";
        Configure(env);
        Host = HostProcess.Start(env);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await PortalFixture.LaunchChromiumAsync(Playwright);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }
}
