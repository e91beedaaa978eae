using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Shards;

/// <summary>
/// A database of the shard map lost during a storm of signed prints (docs/scaling.md, "A database down"): only the
/// meters of its buckets stop, with 503 ShardUnavailable; the others print on; <c>/health/ready</c> names the buckets
/// out; once the server is back the stopped meters print again, and every acknowledged print is in the meter's
/// history, none twice, with the registers adding up.
/// </summary>
[Trait("Services", "PostgreSQL, extra clusters")]
[Collection(ExtraPostgresServers.Name)]
public sealed class ShardOutageStormTests(ITestOutputHelper output)
{
    private const long FundMills = 500_000;
    private const long PostageMills = 630;
    private const int Buckets = 3;
    /// <summary>The bucket whose databases are all on servers that stay up.</summary>
    private const int Served = 1;
    private const int MetersPerBucket = 2;
    private const int MaxCustomers = 24;
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan BackWithin = TimeSpan.FromSeconds(30);
    /// <summary>A print answered this long after the kill was sent after it: before, it may have been committed in time.</summary>
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_database_stopped_during_a_storm_stops_only_its_buckets_meters_and_loses_nothing()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using var a = await ExtraPostgres.StartAsync($"outage-a-{suffix}");
        await using var b = await ExtraPostgres.StartAsync($"outage-b-{suffix}");
        var localServer = $"127.0.0.1:{LocalServices.Require("VBI_PG_PORT")}";
        // Bucket 0: PSD packages on server B, module memory on server A. Bucket 1: PSD packages on server A, module
        // memory on the local server. Bucket 2: PSD packages on server A, module memory on server B. Server B going down
        // takes out bucket 0's postal database and bucket 2's module database, and leaves bucket 1 whole.
        var connections = new Dictionary<string, string>
        {
            ["outage_postal_a"] = a.ConnectionString(await a.CreateDatabaseAsync("postal")),
            ["outage_postal_b"] = b.ConnectionString(await b.CreateDatabaseAsync("postal")),
            ["outage_module_a"] = a.ConnectionString(await a.CreateDatabaseAsync("module")),
            ["outage_module_b"] = b.ConnectionString(await b.CreateDatabaseAsync("module")),
            ["outage_module_l"] = LocalServices.ConnectionString(await LocalServices.CreateScratchDatabaseAsync("vbi_outage_module")),
        };
        var map = JsonSerializer.Serialize(new
        {
            format = ShardMap.FormatName,
            version = 1,
            buckets = Buckets,
            hash = ShardMap.HashName,
            databases = new[]
            {
                new { name = "postal-a", store = "postal", server = a.Server, connection = "outage_postal_a" },
                new { name = "postal-b", store = "postal", server = b.Server, connection = "outage_postal_b" },
                new { name = "module-a", store = "module", server = a.Server, connection = "outage_module_a" },
                new { name = "module-b", store = "module", server = b.Server, connection = "outage_module_b" },
                new { name = "module-l", store = "module", server = localServer, connection = "outage_module_l" },
            },
            postal = new[] { "postal-b", "postal-a", "postal-a" },
            module = new[] { "module-a", "module-l", "module-b" },
        });

        var home = await LocalServices.CreateScratchDatabaseAsync("vbi_outage");
        var env = HostEnvironment.ScratchCluster("outage-" + suffix, home, poolTarget: 0);
        foreach (var (name, connection) in connections) env[$"ConnectionStrings__{name}"] = connection;
        var port = FreePorts.Next();
        // The map is set as an operator sets it, before any meter exists; it applies from the host's next start.
        await using (var first = await HostEnvironment.StartAsync(port, env))
        {
            var set = await AdminAsync("shards", "set", WriteMap(map), "--server", first.BaseAddress.ToString());
            Assert.True(set.Exit == 0, set.Stderr);
        }
        env["Vbi__Module__PoolTarget"] = "4";
        await using var host = await HostEnvironment.StartAsync(port, env);

        // Customers through the SDK until each bucket has its meters (about 8 customers; 24 at most).
        var meters = new List<StormMeter>();
        for (var i = 0; i < MaxCustomers && Enumerable.Range(0, Buckets).Any(b => meters.Count(m => m.Bucket == b) < MetersPerBucket); i++)
        {
            var meter = await StormMeter.CreateAsync(host.BaseAddress);
            if (meters.Count(m => m.Bucket == meter.Bucket) < MetersPerBucket) meters.Add(meter);
            else meter.Dispose();
        }
        Assert.True(meters.Count == Buckets * MetersPerBucket, $"{meters.Count} meters: the buckets did not all fill in {MaxCustomers} customers");

        using var probe = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var storm = meters.Select(m => m.StormAsync(clock, stop.Token)).ToList();

        await Task.Delay(Before);
        Assert.All(meters, m => Assert.True(m.Acks.Count > 0, $"meter {m.MeterId} (bucket {m.Bucket}) printed nothing before the outage"));
        var killedAt = clock.Elapsed;
        await b.KillAsync();
        await Task.Delay(Outage);

        // Down: the host stays ready and names postal bucket 0 and module bucket 2; bucket 1's meters kept printing.
        using (var response = await probe.GetAsync("/health/ready"))
        {
            Assert.Equal(200, (int)response.StatusCode);
            var shards = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("shards");
            Assert.Equal("Degraded", shards.GetProperty("status").GetString());
            Assert.Equal("[0]", shards.GetProperty("data").GetProperty("unavailablePostalBuckets").GetRawText());
            Assert.Equal("[2]", shards.GetProperty("data").GetProperty("unavailableModuleBuckets").GetRawText());
            Assert.Equal("unreachable", shards.GetProperty("data").GetProperty("postal-b").GetString());
            Assert.Equal("unreachable", shards.GetProperty("data").GetProperty("module-b").GetString());
            Assert.Equal("ok", shards.GetProperty("data").GetProperty("postal-a").GetString());
        }
        var outageEnded = clock.Elapsed;
        foreach (var meter in meters)
        {
            var during = meter.Acks.Count(x => x.At > killedAt + InFlight && x.At < outageEnded);
            if (meter.Bucket == Served)
            {
                Assert.True(during > 0, $"meter {meter.MeterId} of the bucket still served printed nothing while the other bucket's database was down");
            }
            else
            {
                Assert.True(during == 0, $"meter {meter.MeterId} of downed bucket {meter.Bucket} had {during} prints acknowledged while its database was down");
                var refusals = meter.Failures.Where(f => f.At > killedAt + InFlight).ToList();
                Assert.NotEmpty(refusals);
                // A clear, stable answer: 503 ShardUnavailable (the first attempt on a broken pooled connection included).
                Assert.All(refusals, f => Assert.True(f is { Status: 503, Code: VbiErrorCodes.ShardUnavailable }, $"meter {meter.MeterId}: {f.Status} {f.Code} ({f.Detail})"));
            }
        }

        // Back: every meter of the downed buckets prints again.
        var restartedAt = clock.Elapsed;
        await b.RestartAsync();
        var deadline = restartedAt + BackWithin;
        while (meters.Any(m => m.Bucket != Served && !m.Acks.Any(x => x.At > restartedAt)) && clock.Elapsed < deadline) await Task.Delay(200);
        Assert.All(meters.Where(m => m.Bucket != Served), m => Assert.True(m.Acks.Any(x => x.At > restartedAt),
            $"meter {m.MeterId} did not print within {BackWithin.TotalSeconds:F0} s of its database's return; last failure: {m.Failures.LastOrDefault()}"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll(storm);
        foreach (var meter in meters)
        {
            output.WriteLine($"meter {meter.MeterId} bucket {meter.Bucket}: {meter.Acks.Count} acknowledged " +
                $"({meter.Acks.Count(x => x.At > killedAt && x.At < restartedAt)} while server B was down, killed at {killedAt.TotalSeconds:F1} s, " +
                $"restarted at {restartedAt.TotalSeconds:F1} s); failures: " +
                string.Join(", ", meter.Failures.GroupBy(f => $"{f.Status} {f.Code}").Select(g => $"{g.Key} x{g.Count()}")) +
                $"; first print after the restart at {meter.Acks.Where(x => x.At > restartedAt).Select(x => x.At.TotalSeconds).DefaultIfEmpty().Min():F1} s");
        }

        using (var response = await probe.GetAsync("/health/ready"))
        {
            var shards = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("shards");
            Assert.Equal("Healthy", shards.GetProperty("status").GetString());
        }

        // Nothing acknowledged is lost or doubled: every acknowledged print is in its meter's history (from the log) once,
        // no print is there that was not acknowledged (each worker resolved its last request before stopping), and the
        // registers add up: AR is the postage of the prints, AR + DR the funding (I1).
        foreach (var meter in meters)
        {
            Assert.Null(meter.Unresolved);
            var history = await meter.PrintsInHistoryAsync(meter.Acks.Count, TimeSpan.FromSeconds(30));
            Assert.Equal(meter.Acks.Select(x => x.IndiciumId).Order(StringComparer.Ordinal), history.Order(StringComparer.Ordinal));
            var info = await meter.Client.GetMeterAsync(meter.MeterId);
            Assert.Null(info.InhibitReason);
            Assert.Equal(meter.Acks.Count * PostageMills, info.AscendingMills);
            Assert.Equal(FundMills, info.AscendingMills + info.DescendingMills);
            Assert.Equal(info.AscendingMills, meter.Acks.Max(x => x.AscendingMills));
            meter.Dispose();
        }
    }

    private sealed record Ack(string IndiciumId, long AscendingMills, TimeSpan At);

    private sealed record Failure(int Status, string Code, string? Detail, TimeSpan At);

    /// <summary>A customer's meter printing one signed request at a time through the SDK, as a storm's client does.</summary>
    private sealed class StormMeter : IDisposable
    {
        /// <summary>The wait before a failed print is sent again with the same key.</summary>
        private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

        /// <summary>How long a worker keeps asking, after the storm, for the answer to its last print.</summary>
        private static readonly TimeSpan ResolveWithin = TimeSpan.FromSeconds(30);

        private StormMeter(VbiClient client, MeterSession session, string meterId)
        {
            Client = client;
            Session = session;
            MeterId = meterId;
            Bucket = ShardMap.BucketOf(meterId, Buckets);
        }

        public VbiClient Client { get; }
        public MeterSession Session { get; }
        public string MeterId { get; }
        public int Bucket { get; }
        public ConcurrentQueue<Ack> Acks { get; } = new();
        public ConcurrentQueue<Failure> Failures { get; } = new();

        /// <summary>The key of a print sent and never answered, when the worker gave up on it.</summary>
        public string? Unresolved { get; private set; }

        public static async Task<StormMeter> CreateAsync(Uri baseAddress)
        {
            using var anonymous = new VbiClient(Options(baseAddress, null));
            var account = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
            var client = new VbiClient(Options(baseAddress, account.Token));
            var meter = await client.LicenseMeterAsync("10001");
            var identity = await client.GetModuleIdentityAsync();
            var hmk = await client.RegisterMeterAsync(meter.MeterId, CustomerHostFixture.Password, Convert.FromBase64String(identity.PublicKey));
            var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, CustomerHostFixture.Password);
            await session.FundAsync(FundMills, "outage-" + meter.MeterId);
            return new StormMeter(client, session, meter.MeterId);
        }

        /// <summary>
        /// Prints until stopped; a print that fails is sent again with the same key and the same transaction (the SDK
        /// signs it again identically) until it is answered, so each key ends acknowledged once or is reported unresolved.
        /// </summary>
        public async Task StormAsync(Stopwatch clock, CancellationToken stop)
        {
            var order = new PrintOrder(PostageMills, "94103", "FIRST-CLASS");
            var label = new LabelOptions(Format: "zpl");
            string? pending = null;
            var resolveBy = TimeSpan.MaxValue;
            while (pending is not null || !stop.IsCancellationRequested)
            {
                if (stop.IsCancellationRequested && resolveBy == TimeSpan.MaxValue) resolveBy = clock.Elapsed + ResolveWithin;
                if (clock.Elapsed > resolveBy)
                {
                    Unresolved = pending;
                    return;
                }
                pending ??= VbiClient.NewIdempotencyKey();
                try
                {
                    var result = await Session.PrintAsync(order, label, pending);
                    Acks.Enqueue(new Ack(result.IndiciumId!, result.Meter.AscendingMills, clock.Elapsed));
                    pending = null;
                }
                catch (VbiApiException e)
                {
                    Failures.Enqueue(new Failure(e.Status, e.Code, e.Detail, clock.Elapsed));
                    await Task.Delay(RetryDelay, CancellationToken.None);
                }
            }
        }

        /// <summary>The indicium ids of the meter's prints in its history, once it lists <paramref name="expected"/> (bounded wait: the history follows the log).</summary>
        public async Task<List<string>> PrintsInHistoryAsync(int expected, TimeSpan within)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var ids = new List<string>();
                long? before = null;
                do
                {
                    var page = await Client.GetHistoryAsync(MeterId, limit: 200, before: before);
                    ids.AddRange(page.Entries.Where(e => e.IndiciumId is not null).Select(e => e.IndiciumId!));
                    before = page.NextBefore;
                }
                while (before is not null);
                if (ids.Count >= expected || deadline.Elapsed > within) return ids;
                await Task.Delay(250);
            }
        }

        // No retries inside the SDK: the worker retries with the same key itself and records every answer.
        private static VbiClientOptions Options(Uri baseAddress, string? token) =>
            new() { BaseAddress = baseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(30), Retries = 0 };

        public void Dispose()
        {
            Session.Dispose();
            Client.Dispose();
        }
    }

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
