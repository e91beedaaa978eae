using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Cluster;

/// <summary>In the Cluster profile the host refuses to start, with one line naming the setting to fix.</summary>
[Trait("Services", "PostgreSQL")]
public sealed class StartupRefusalTests
{
    [Fact]
    public async Task Unreachable_postgresql_is_refused_with_one_line_naming_the_setting()
    {
        var deadPort = FreePorts.Next();
        var env = HostEnvironment.Cluster("refuse-" + Guid.NewGuid().ToString("N")[..8]);
        env["ConnectionStrings__module"] = $"Host=127.0.0.1;Port={deadPort};Username=postgres;Password=not-the-password;Database=vbi_module";

        var (exit, errors) = await RunToExitAsync(env);

        Assert.Equal(3, exit);
        var line = Assert.Single(errors);
        Assert.Contains("unreachable", line);
        Assert.Contains("ConnectionStrings:module", line);
        Assert.Contains($"127.0.0.1:{deadPort}", line);
        Assert.DoesNotContain("not-the-password", line);
    }

    [Fact]
    public async Task A_database_without_the_schema_is_refused_with_one_line_naming_init_db_and_the_setting()
    {
        var empty = await LocalServices.CreateScratchDatabaseAsync("vbi_empty");
        var env = HostEnvironment.Cluster("refuse-" + Guid.NewGuid().ToString("N")[..8]);
        env["ConnectionStrings__postal"] = LocalServices.ConnectionString(empty);

        var (exit, errors) = await RunToExitAsync(env);

        Assert.Equal(3, exit);
        var line = Assert.Single(errors);
        Assert.Contains("init-db", line);
        Assert.Contains("ConnectionStrings:postal", line);
        Assert.Contains(empty, line);
    }

    [Fact]
    public async Task A_missing_connection_string_is_refused_with_its_name()
    {
        var env = HostEnvironment.Cluster("refuse-" + Guid.NewGuid().ToString("N")[..8]);
        env["ConnectionStrings__commerce"] = "";

        var (exit, errors) = await RunToExitAsync(env);

        Assert.Equal(2, exit);
        var line = Assert.Single(errors);
        Assert.Contains("ConnectionStrings:commerce is not set", line);
    }

    [Fact]
    public async Task With_InitializeOnStart_a_fresh_database_gets_the_schema_and_the_host_starts()
    {
        var fresh = await LocalServices.CreateScratchDatabaseAsync("vbi_fresh");
        var env = HostEnvironment.Cluster("fresh-" + Guid.NewGuid().ToString("N")[..8], HostEnvironment.AllStoresIn(fresh));
        env["Vbi__Database__InitializeOnStart"] = "true";

        await using var host = HostProcess.Start(env);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        // 00 main, 10 clustering, 20 persistence, 30 reminders, 40 the transaction log (the module store is in it too),
        // 52 the ledger, 53 ACH debits and files, 55 the provider's journal, 56 card charges (the commerce store is in it too).
        Assert.Equal(9L, await LocalServices.ScalarAsync<long>(fresh, "SELECT count(*) FROM vbi_schema"));
    }

    [Fact]
    public async Task A_bad_advertised_address_is_refused_with_the_setting_name()
    {
        var env = HostEnvironment.Cluster("refuse-" + Guid.NewGuid().ToString("N")[..8]);
        env["Vbi__Cluster__AdvertisedIp"] = "not-an-ip";

        var (exit, errors) = await RunToExitAsync(env);

        Assert.Equal(2, exit);
        Assert.Contains("Vbi:Cluster:AdvertisedIp", Assert.Single(errors));
    }

    private static async Task<(int Exit, List<string> Errors)> RunToExitAsync(Dictionary<string, string?> env)
    {
        await using var host = HostProcess.Start(env);
        var exit = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, host.Errors.Where(l => !string.IsNullOrWhiteSpace(l)).ToList());
    }
}
