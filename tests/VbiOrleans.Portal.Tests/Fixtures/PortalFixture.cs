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

    private readonly string _scratch = Directory.CreateTempSubdirectory("vbi-portal-fixture-").FullName;

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
        ClusterId = "portal-" + Guid.NewGuid().ToString("N")[..8];
        Database = await LocalServices.CreateScratchDatabaseAsync("vbi_portal");
        KeyCertificate.Create(_scratch);
        var start = Task.Run(async () =>
        {
            Host = HostProcess.Start(ClusterEnvironment());
            await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
        });
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(Playwright);
        await start;
    }

    /// <summary>
    /// The settings of a host of this fixture's cluster (new silo ports at each call): the shared host's, and a second
    /// host's that joins it. The portal's key ring is encrypted to a certificate made for this run.
    /// </summary>
    public Dictionary<string, string?> ClusterEnvironment()
    {
        var env = HostEnvironment.ScratchCluster(ClusterId, Database, poolTarget: 2);
        // The first inhibited meter stops PVD and printing system-wide, so that the operator's resume is shown too.
        env["Vbi__Module__ShutdownThreshold"] = "0";
        env["Vbi__Portal__KeyCertificate"] = KeyCertificate.Path(_scratch);
        env["Vbi__Portal__KeyCertificatePasswordFile"] = KeyCertificate.PasswordPath(_scratch);
        return env;
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
        Directory.Delete(_scratch, recursive: true);
    }
}

/// <summary>A self-signed RSA certificate with its private key, as a password-protected PKCS#12 file (Vbi:Portal:KeyCertificate).</summary>
public static class KeyCertificate
{
    public static string Path(string folder) => System.IO.Path.Combine(folder, "portal-keys.pfx");

    public static string PasswordPath(string folder) => System.IO.Path.Combine(folder, "portal-keys.password");

    public static void Create(string folder)
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=VbiOrleans portal keys (test)", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        File.WriteAllBytes(Path(folder), certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, password));
        File.WriteAllText(PasswordPath(folder), password + "\n");
    }
}
