using System.Text.Json;
using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Shards;

/// <summary>
/// The shard map end to end (docs/scaling.md): two extra PostgreSQL servers started by services.sh, a map set by
/// <c>vbi-admin shards set</c> (audited), and customers' meters, driven through the SDK's signed requests over HTTP,
/// whose PSD packages and module memory land in their buckets' databases and nowhere else.
/// </summary>
[Trait("Services", "PostgreSQL, extra clusters")]
[Collection(ExtraPostgresServers.Name)]
public sealed class ShardRoutingTests
{
    private const int MaxMeters = 12;

    [Fact]
    public async Task Meters_print_through_the_signed_path_into_their_buckets_databases()
    {
        await using var a = await ExtraPostgres.StartAsync("shards-a");
        await using var b = await ExtraPostgres.StartAsync("shards-b");
        // Bucket 0: PSD packages on server A, module memory on server B; bucket 1 the other way round.
        var databases = new Dictionary<string, (ExtraPostgres Server, string Database)>
        {
            ["postal-a"] = (a, await a.CreateDatabaseAsync("postal")),
            ["module-a"] = (a, await a.CreateDatabaseAsync("module")),
            ["postal-b"] = (b, await b.CreateDatabaseAsync("postal")),
            ["module-b"] = (b, await b.CreateDatabaseAsync("module")),
        };

        var home = await LocalServices.CreateScratchDatabaseAsync("vbi_shards");
        var clusterId = "shards-" + Guid.NewGuid().ToString("N")[..8];
        // No meter exists before the map is set (the pool is empty until then): moving meters between databases is not built.
        var env = HostEnvironment.ScratchCluster(clusterId, home, poolTarget: 0);
        foreach (var (name, (server, database)) in databases) env[$"ConnectionStrings__{Connection(name)}"] = server.ConnectionString(database);
        var port = FreePorts.Next();

        await using (var first = await HostEnvironment.StartAsync(port, env))
        {
            var server = first.BaseAddress.ToString();
            var shown = await AdminAsync("shards", "show", "--server", server);
            Assert.True(shown.Exit == 0, shown.Stderr);
            Assert.Contains("no shard map", shown.Stdout, StringComparison.Ordinal);

            // Refused, and nothing stored: bucket 0's postal and module shards on one server; a connection name the host lacks.
            var sameServer = await AdminAsync("shards", "set", WriteMap(Map(1, a, b, module: ["module-a", "module-a"])), "--server", server);
            Assert.NotEqual(0, sameServer.Exit);
            Assert.Contains(VbiErrorCodes.ShardMapInvalid, sameServer.Stderr, StringComparison.Ordinal);
            var unknown = await AdminAsync("shards", "set", WriteMap(Map(1, a, b, postalConnection: "not_configured")), "--server", server);
            Assert.NotEqual(0, unknown.Exit);
            Assert.Contains(VbiErrorCodes.ShardMapConnectionUnknown, unknown.Stderr, StringComparison.Ordinal);

            var set = await AdminAsync("shards", "set", WriteMap(Map(1, a, b)), "--server", server, "--json");
            Assert.True(set.Exit == 0, set.Stderr);
            Assert.Equal(1, JsonDocument.Parse(set.Stdout).RootElement.GetProperty("version").GetInt64());
            // Versions only increase.
            var stale = await AdminAsync("shards", "set", WriteMap(Map(1, a, b, module: ["module-a", "module-b"], swapPostal: true)), "--server", server);
            Assert.Contains(VbiErrorCodes.ShardMapVersionNotNewer, stale.Stderr, StringComparison.Ordinal);

            // The change is in the operator audit log: who, what, and how it ended.
            using var operatorClient = new VbiClient(new VbiClientOptions
            {
                BaseAddress = first.BaseAddress, OperatorName = HostEnvironment.OperatorName, OperatorKey = HostEnvironment.OperatorKey,
            });
            var audit = (await operatorClient.GetOperatorAuditAsync()).Where(e => e.Path == "/v1/operator/shards" && e.Method == "PUT").ToList();
            Assert.Contains(audit, e => e.Status == 200 && e.Operator == HostEnvironment.OperatorName);
            Assert.Contains(audit, e => e.Status == 422);
            Assert.Contains(audit, e => e.Status == 409);
        }

        // The map applies from the next start.
        env["Vbi__Module__PoolTarget"] = "2";
        await using var host = await HostEnvironment.StartAsync(port, env);
        var active = await AdminAsync("shards", "show", "--server", host.BaseAddress.ToString(), "--json");
        Assert.Equal(1, JsonDocument.Parse(active.Stdout).RootElement.GetProperty("active").GetInt64());

        var customers = new CustomerDriver(host.BaseAddress);
        var byBucket = new Dictionary<int, List<string>> { [0] = [], [1] = [] };
        // Meter ids are random: new customers until both buckets hold a meter (2 expected, 12 at most: 1 in 2,048 to fail).
        for (var i = 0; i < MaxMeters && (byBucket[0].Count == 0 || byBucket[1].Count == 0); i++)
        {
            var meterId = await customers.NewMeterThatPrintsAsync();
            byBucket[ShardMap.BucketOf(meterId, 2)].Add(meterId);
        }
        Assert.True(byBucket[0].Count > 0 && byBucket[1].Count > 0, "every meter fell in one bucket");

        foreach (var (bucket, meters) in byBucket)
        {
            var postal = bucket == 0 ? "postal-a" : "postal-b";
            var module = bucket == 0 ? "module-b" : "module-a";
            foreach (var meterId in meters)
            {
                foreach (var name in databases.Keys)
                {
                    var (server, database) = databases[name];
                    var psd = await server.CountAsync(database, "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id", ("id", meterId));
                    var memory = await server.CountAsync(database,
                        "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString IN ('moduleMemory', 'clientSession') AND GrainIdExtensionString = @id", ("id", meterId));
                    Assert.True((name == postal ? 1 : 0) == psd, $"meter {meterId} (bucket {bucket}): {psd} PSD package rows in {name}");
                    Assert.True((name == module ? 2 : 0) == memory, $"meter {meterId} (bucket {bucket}): {memory} module memory and session rows in {name}");
                }
                // Nothing of the meter in the stores' configured (home) database, not even its log records: they are in its
                // bucket's module database's log (ShardLogTests covers the logs).
                Assert.Equal(0L, await LocalServices.ScalarAsync<long>(home,
                    "SELECT count(*) FROM OrleansStorage WHERE GrainIdExtensionString = @id AND GrainTypeString IN ('meter', 'moduleMemory', 'clientSession')", ("id", meterId)));
                Assert.Equal(0L, await LocalServices.ScalarAsync<long>(home, "SELECT count(*) FROM vbi_log WHERE meter_id = @id", ("id", meterId)));
                var (moduleServer, moduleDatabase) = databases[module];
                Assert.True(await moduleServer.CountAsync(moduleDatabase, "SELECT count(*) FROM vbi_log WHERE meter_id = @id", ("id", meterId)) >= 2);
            }
        }

        // Moving meters is not built: a map that gives occupied buckets other databases is refused, and the current map stays.
        var move = await AdminAsync("shards", "set", WriteMap(Map(2, a, b, module: ["module-a", "module-b"], swapPostal: true)), "--server", host.BaseAddress.ToString());
        Assert.NotEqual(0, move.Exit);
        Assert.Contains(VbiErrorCodes.ShardMapBucketNotEmpty, move.Stderr, StringComparison.Ordinal);
        var after = await AdminAsync("shards", "show", "--server", host.BaseAddress.ToString(), "--json");
        Assert.Equal(1, JsonDocument.Parse(after.Stdout).RootElement.GetProperty("current").GetProperty("version").GetInt64());

        // Server B stops: the host stays ready and names the buckets it cannot serve (postal bucket 1, module bucket 0).
        using (var probe = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) })
        {
            var healthy = JsonDocument.Parse(await probe.GetStringAsync("/health/ready")).RootElement;
            Assert.Equal("Healthy", healthy.GetProperty("checks").GetProperty("shards").GetProperty("status").GetString());
            await b.DisposeAsync();
            using var response = await probe.GetAsync("/health/ready");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(200, (int)response.StatusCode);
            var shards = body.GetProperty("checks").GetProperty("shards");
            Assert.Equal("Degraded", shards.GetProperty("status").GetString());
            Assert.Equal("[1]", shards.GetProperty("data").GetProperty("unavailablePostalBuckets").GetRawText());
            Assert.Equal("[0]", shards.GetProperty("data").GetProperty("unavailableModuleBuckets").GetRawText());
            Assert.Equal("ok", shards.GetProperty("data").GetProperty("postal-a").GetString());
        }
    }

    /// <summary>Customers as they use the system: sign up, license, register, log in, fund and print, through the SDK.</summary>
    private sealed class CustomerDriver(Uri baseAddress)
    {
        public async Task<string> NewMeterThatPrintsAsync()
        {
            using var anonymous = Client(null);
            var account = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
            using var client = Client(account.Token);
            var meter = await client.LicenseMeterAsync("10001");
            var identity = await client.GetModuleIdentityAsync();
            var hmk = await client.RegisterMeterAsync(meter.MeterId, CustomerHostFixture.Password, Convert.FromBase64String(identity.PublicKey));
            using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, CustomerHostFixture.Password);
            await session.FundAsync(10_000, "shard-test-" + meter.MeterId);
            var print = await session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"));
            Assert.NotNull(print.IndiciumId);
            // The meter reads back from its bucket's database with the registers it printed with (I1: 10,000 funded = AR + DR).
            var again = await session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"));
            Assert.Equal(10_000, again.Meter.AscendingMills + again.Meter.DescendingMills);
            return meter.MeterId;
        }

        private VbiClient Client(string? token) =>
            new(new VbiClientOptions { BaseAddress = baseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60) });
    }

    private static string Connection(string database) => "shard_" + database.Replace('-', '_');

    private static string Map(long version, ExtraPostgres a, ExtraPostgres b, string[]? module = null, string? postalConnection = null, bool swapPostal = false) =>
        JsonSerializer.Serialize(new
        {
            format = ShardMap.FormatName,
            version,
            buckets = 2,
            hash = ShardMap.HashName,
            databases = new[]
            {
                new { name = "postal-a", store = "postal", server = a.Server, connection = postalConnection ?? Connection("postal-a") },
                new { name = "module-a", store = "module", server = a.Server, connection = Connection("module-a") },
                new { name = "postal-b", store = "postal", server = b.Server, connection = Connection("postal-b") },
                new { name = "module-b", store = "module", server = b.Server, connection = Connection("module-b") },
            },
            postal = swapPostal ? new[] { "postal-b", "postal-a" } : ["postal-a", "postal-b"],
            module = module ?? ["module-b", "module-a"],
        });

    private static string WriteMap(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"shard-map-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> AdminAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await AdminApp.RunAsync([.. args, "--operator", HostEnvironment.OperatorName], stdout, stderr,
            name => name == AdminApp.OperatorKeyVariable ? HostEnvironment.OperatorKey : null);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
