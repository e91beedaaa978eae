using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests.Fixtures;

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "Portal: one Cluster-profile host process on PostgreSQL and SoftHSM2, and Debian's chromium";
}

/// <summary>
/// One real host process in the Cluster profile on a scratch database (PostgreSQL for every store, the SoftHSM2 token)
/// reached over loopback HTTP, and one headless chromium: Debian's, launched by its path. Playwright's own browser
/// download is never used (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD, and no <c>playwright install</c>).
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string Password = "correct horse battery staple";

    /// <summary>Where each page's screenshot goes: this project's TestResults folder.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(LocalServices.RepositoryRoot, "tests", "VbiOrleans.Portal.Tests", "TestResults", "screenshots");

    public HostProcess Host { get; private set; } = null!;

    /// <summary>The host's scratch database (every store, and the cluster's membership table).</summary>
    public string Database { get; private set; } = null!;

    /// <summary>The host's cluster id (and service id), for an Orleans client of its cluster.</summary>
    public string ClusterId { get; private set; } = null!;
    public Uri BaseAddress => Host.BaseAddress;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var clusterId = ClusterId = "portal-" + Guid.NewGuid().ToString("N")[..8];
        var database = Database = await LocalServices.CreateScratchDatabaseAsync("vbi_portal");
        var start = Task.Run(async () =>
        {
            var env = HostEnvironment.ScratchCluster(clusterId, database, poolTarget: 2);
            // The first inhibited meter stops PVD and printing system-wide, so that the operator's resume is shown too.
            env["Vbi__Module__ShutdownThreshold"] = "0";
            Host = HostProcess.Start(env);
            await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
        });
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(Playwright);
        await start;
    }

    /// <summary>Debian's chromium by its path, headless; never a browser Playwright downloaded.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: infra/test.sh installs Debian's chromium (apt-get install chromium)");
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The test machine's containers have no user namespaces for chromium's sandbox.
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>A fresh browser context (its own cookies): one person at one browser.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString(), Locale = "en-US" });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public VbiClient Client(string? token = null) =>
        new(new VbiClientOptions { BaseAddress = BaseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60) });

    public VbiClient Operator() =>
        new(new VbiClientOptions { BaseAddress = BaseAddress, OperatorName = HostEnvironment.OperatorName, OperatorKey = HostEnvironment.OperatorKey });

    public static string NewEmail() => $"p{Guid.NewGuid():N}@example.com";

    /// <summary>
    /// The page as it is now: a full-page screenshot in TestResults (named <paramref name="name"/>), and axe's
    /// accessibility rules, failing on any serious or critical violation.
    /// </summary>
    public static async Task CheckAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{name} ({page.Url}): accessibility violations:\n" + string.Join("\n", serious.Select(Describe)));
    }

    private static string Describe(AxeResultItem v) =>
        $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}";

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
    }
}
