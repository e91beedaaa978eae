using System.Text.Json;
using Azure.Storage.Blobs;
using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using VbiOrleans.TransactionLog.Segments;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Shards;

/// <summary>
/// One transaction log per module database of the shard map (docs/transaction-log.md, "Several logs"), end to end:
/// two extra PostgreSQL servers, a map set by <c>vbi-admin shards set</c>, and customers printing through the SDK's
/// signed requests over HTTP. Each meter's records are in its bucket's module database's log and nowhere else; each
/// log seals and ships on its own, with its name in its checkpoints; the feed's consumers see every print of both logs
/// once; <c>vbi-admin recover</c> rebuilds a lost postal row from its meter's log; <c>verify-log</c> checks every log
/// and names the log and the entry an edit of the archive changed; a host refuses to start on an empty module
/// database of the map beside its archived log.
/// </summary>
[Trait("Services", "PostgreSQL, extra clusters, Azurite")]
[Collection(ExtraPostgresServers.Name)]
public sealed class ShardLogTests(ITestOutputHelper output)
{
    /// <summary>
    /// Meters are made until both buckets hold one (two or three, most runs); a bucket is a hash of a random id, so all
    /// of them in one bucket has a chance of 2^(1-MaxMeters). At 12 that happened in one CI run; at 24 it is 1 in 8 million.
    /// </summary>
    private const int MaxMeters = 24;
    private const string ModuleA = "module-a";
    private const string ModuleB = "module-b";

    [Fact]
    public async Task Each_module_database_keeps_its_own_log_which_seals_ships_feeds_verifies_and_recovers()
    {
        await using var a = await ExtraPostgres.StartAsync("shard-logs-a");
        await using var b = await ExtraPostgres.StartAsync("shard-logs-b");
        var databases = new Dictionary<string, (ExtraPostgres Server, string Database)>
        {
            ["postal-a"] = (a, await a.CreateDatabaseAsync("postal")),
            [ModuleA] = (a, await a.CreateDatabaseAsync("module")),
            ["postal-b"] = (b, await b.CreateDatabaseAsync("postal")),
            [ModuleB] = (b, await b.CreateDatabaseAsync("module")),
        };
        var home = await LocalServices.CreateScratchDatabaseAsync("vbi_shard_logs");
        var clusterId = "shard-logs-" + Guid.NewGuid().ToString("N")[..8];
        var env = HostEnvironment.ScratchCluster(clusterId, home, poolTarget: 0);
        foreach (var (name, (server, database)) in databases) env[$"ConnectionStrings__{Connection(name)}"] = server.ConnectionString(database);
        var port = FreePorts.Next();
        var archive = new[] { "--archive", LocalServices.ArchiveConnectionString, "--container", HostEnvironment.ContainerName(clusterId) };

        await using (var first = await HostEnvironment.StartAsync(port, env))
        {
            var set = await AdminAsync("shards", "set", WriteMap(a, b), "--server", first.BaseAddress.ToString());
            Assert.True(set.Exit == 0, set.Stderr);
        }
        env["Vbi__Module__PoolTarget"] = "2";
        HostProcess? host = await HostEnvironment.StartAsync(port, env);
        try
        {
            using var operatorHttp = OperatorHttp.Client(host.BaseAddress);
            var logNames = (await (await operatorHttp.GetAsync("/v1/operator/logs")).JsonAsync()).EnumerateArray().Select(l => l.GetProperty("log").GetString()).ToList();
            Assert.Equal(["home", ModuleA, ModuleB], logNames);

            // Bucket 0's module database is module-b, bucket 1's module-a (the map below).
            var customers = new CustomerDriver(host.BaseAddress);
            var meters = new List<CustomerMeter>();
            for (var i = 0; i < MaxMeters && (meters.All(m => Bucket(m) != 0) || meters.All(m => Bucket(m) != 1)); i++)
                meters.Add(await customers.NewMeterThatPrintsAsync());
            Assert.True(meters.Any(m => Bucket(m) == 0) && meters.Any(m => Bucket(m) == 1), "every meter fell in one bucket");

            // Each meter's records are in its bucket's module database's log only: not in the other's, not in the home log.
            foreach (var meter in meters)
            {
                foreach (var module in new[] { ModuleA, ModuleB })
                {
                    var (server, database) = databases[module];
                    var records = await server.CountAsync(database, "SELECT count(*) FROM vbi_log WHERE meter_id = @id", ("id", meter.MeterId));
                    if (module == ModuleOf(meter)) Assert.True(records >= 4, $"meter {meter.MeterId}: {records} records in {module}, its log");
                    else Assert.True(records == 0, $"meter {meter.MeterId} of {ModuleOf(meter)}: {records} records in {module}");
                }
                Assert.Equal(0L, await LocalServices.ScalarAsync<long>(home, "SELECT count(*) FROM vbi_log WHERE meter_id = @id", ("id", meter.MeterId)));
            }

            // Each log seals into its own tree, signs its own checkpoints (its name in the origin line), and ships to its own prefix.
            var shipped = await ShipAllAsync(operatorHttp);
            Assert.Equal(0, shipped["home"].GetProperty("size").GetInt64());
            foreach (var module in new[] { ModuleA, ModuleB })
            {
                var status = shipped[module];
                var (server, database) = databases[module];
                var size = status.GetProperty("size").GetInt64();
                // Every record of the log at the ship (the pool may provision a meter, and log it, since).
                Assert.True(size > 0 && size <= await server.CountAsync(database, "SELECT count(*) FROM vbi_log"), $"{module}: size {size}");
                Assert.Equal(size, status.GetProperty("shipped").GetInt64());
                Assert.True(await server.CountAsync(database, "SELECT count(*) FROM vbi_log_checkpoint") >= 1, $"{module} holds no checkpoint");
                var note = await (await operatorHttp.GetAsync($"/v1/log/checkpoint?log={module}")).Content.ReadAsStringAsync();
                var lines = note.Split('\n');
                Assert.EndsWith("/" + module, lines[0], StringComparison.Ordinal);
                Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[1]);
                // A consistency proof of this log, from its first checkpoint to its latest.
                var first = await server.CountAsync(database, "SELECT min(size) FROM vbi_log_checkpoint");
                var proof = await (await operatorHttp.GetAsync($"/v1/log/proof?log={module}&from={first}&to={size}")).JsonAsync();
                Assert.True(proof.TryGetProperty("to", out var to) && to.GetInt64() == size, proof.ToString());
            }
            Assert.Equal(0L, await LocalServices.ScalarAsync<long>(home, "SELECT count(*) FROM vbi_log_checkpoint"));
            Assert.Equal(404, (int)(await operatorHttp.GetAsync("/v1/log/checkpoint?log=no-such-log")).StatusCode);
            var logStatus = await AdminAsync("log-status", "--log", ModuleB, "--server", host.BaseAddress.ToString(), "--json");
            Assert.True(logStatus.Exit == 0, logStatus.Stderr);
            Assert.Equal(shipped[ModuleB].GetProperty("size").GetInt64(), JsonDocument.Parse(logStatus.Stdout).RootElement.GetProperty("size").GetInt64());

            var verified = await AdminAsync(["verify-log", .. archive, "--json"]);
            output.WriteLine($"verify-log: exit {verified.Exit}: {verified.Stdout}");
            Assert.True(verified.Exit == AdminExitCodes.Ok, verified.Stdout + verified.Stderr);
            var verifiedLogs = JsonDocument.Parse(verified.Stdout).RootElement.GetProperty("logs").EnumerateArray()
                .ToDictionary(l => l.GetProperty("log").GetString()!, l => l.GetProperty("verification"));
            Assert.Equal([ModuleA, ModuleB], verifiedLogs.Keys.Order());
            foreach (var (module, verification) in verifiedLogs)
            {
                Assert.Equal("None", verification.GetProperty("failure").GetString());
                Assert.Equal(shipped[module].GetProperty("size").GetInt64(), verification.GetProperty("entriesChecked").GetInt64());
            }

            // The feed's consumers read both logs: every print of every meter is in its customer's history and the ledger once.
            await WaitForFeedAsync(operatorHttp);
            foreach (var meter in meters)
            {
                using var client = customers.Client(meter.Token);
                var prints = (await client.GetHistoryAsync(meter.MeterId, limit: 100)).Entries.Where(e => e.IndiciumId is not null).ToList();
                Assert.Equal(2, prints.Count);
                Assert.Equal(2, prints.Select(p => p.Sequence).Distinct().Count());
                var entries = await (await operatorHttp.GetAsync($"/v1/operator/ledger/entries?customer={meter.CustomerId}&limit=1000")).JsonAsync();
                var printEntries = entries.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)
                    .Where(id => id.StartsWith($"print:{meter.MeterId}:", StringComparison.Ordinal)).ToList();
                Assert.Equal(prints.Select(p => $"print:{meter.MeterId}:{p.Sequence}").Order(), printEntries.Order());
            }

            // A snapshot copies the map's databases too, each its own file.
            var snapshot = await operatorHttp.PostAsync("/v1/operator/snapshots", null);
            var manifest = await snapshot.JsonAsync();
            Assert.True(snapshot.IsSuccessStatusCode, manifest.ToString());
            var files = manifest.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("store").GetString()!, f => f.GetProperty("rows").GetInt64());
            Assert.Equal(["module", "module.module-a", "module.module-b", "postal", "postal.postal-a", "postal.postal-b"], files.Keys.Order());
            Assert.All(new[] { "module.module-a", "module.module-b", "postal.postal-a", "postal.postal-b" }, f => Assert.True(files[f] > 0, $"{f}: no rows"));

            // A postal row lost while the hosts are stopped comes back from its meter's log: recover verifies every log, then rebuilds it.
            var lost = meters.First(m => Bucket(m) == 1);
            var (postalServer, postalDatabase) = databases["postal-b"];
            await host.DisposeAsync();
            host = null;
            Assert.Equal(1L, await postalServer.CountAsync(postalDatabase,
                "WITH gone AS (DELETE FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id RETURNING 1) SELECT count(*) FROM gone",
                ("id", lost.MeterId)));
            host = await HostEnvironment.StartAsync(port, env);
            var recovered = await AdminAsync(["recover", .. archive, "--server", host.BaseAddress.ToString(), "--json"]);
            output.WriteLine($"recover: exit {recovered.Exit}: {recovered.Stdout}{recovered.Stderr}");
            Assert.True(recovered.Exit == AdminExitCodes.Ok, recovered.Stdout + recovered.Stderr);
            var summary = JsonDocument.Parse(recovered.Stdout).RootElement;
            // Every meter in either log: the customers' and the pool's (a meter is provisioned, and logged, before it is licensed).
            Assert.True(summary.GetProperty("meters").GetInt32() >= meters.Count, recovered.Stdout);
            Assert.True(summary.GetProperty("rebuilt").GetInt32() >= 1);
            Assert.Equal(0, summary.GetProperty("mismatches").GetInt32());
            Assert.Equal(1L, await postalServer.CountAsync(postalDatabase,
                "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id", ("id", lost.MeterId)));
            // The meter prints on from its rebuilt row, into its log.
            var printed = await customers.PrintAgainAsync(lost);
            Assert.Equal(10_000, printed.Meter.AscendingMills + printed.Meter.DescendingMills);

            // module-a's database lost and replaced by an empty one beside the archive of its log: a host refuses to start on
            // it, naming the database (a second log over the archived one would inhibit every meter whose module memory is
            // gone). restore-snapshot --shard puts back its module memory and refills its log from logs/module-a/; recover
            // then finds every meter equal to module memory, and the meter prints on.
            using (var shipper = OperatorHttp.Client(host.BaseAddress)) shipped = await ShipAllAsync(shipper);
            await host.DisposeAsync();
            host = null;
            var replacement = a.ConnectionString(await a.CreateDatabaseAsync("module"));
            env[$"ConnectionStrings__{Connection(ModuleA)}"] = replacement;
            await using (var lostDatabase = HostProcess.Start(port, env))
            {
                var exit = await lostDatabase.WaitForExitAsync(TimeSpan.FromSeconds(90));
                Assert.True(exit == 3, $"the host started on an empty module database of the map beside its archived log (exit {exit})\n{lostDatabase.Transcript()}");
                Assert.Contains(lostDatabase.Errors, line => line.Contains($"module database '{ModuleA}'", StringComparison.Ordinal)
                    && line.Contains("holds no transaction log", StringComparison.Ordinal));
            }
            var restored = await AdminAsync(["restore-snapshot", .. archive, "--shard", $"{ModuleA}={replacement}", "--json"]);
            output.WriteLine($"restore-snapshot --shard {ModuleA}: exit {restored.Exit}: {restored.Stdout}{restored.Stderr}");
            Assert.True(restored.Exit == AdminExitCodes.Ok, restored.Stdout + restored.Stderr);
            var refilled = JsonDocument.Parse(restored.Stdout).RootElement.GetProperty("logs").EnumerateArray().Single();
            Assert.Equal(ModuleA, refilled.GetProperty("log").GetString());
            Assert.True(refilled.GetProperty("entries").GetInt64() >= shipped[ModuleA].GetProperty("size").GetInt64(), restored.Stdout);
            host = await HostEnvironment.StartAsync(port, env);
            var afterRestore = await AdminAsync(["recover", .. archive, "--server", host.BaseAddress.ToString(), "--json"]);
            output.WriteLine($"recover after the restore: exit {afterRestore.Exit}: {afterRestore.Stdout}");
            Assert.True(afterRestore.Exit == AdminExitCodes.Ok, afterRestore.Stdout + afterRestore.Stderr);
            Assert.Equal(0, JsonDocument.Parse(afterRestore.Stdout).RootElement.GetProperty("mismatches").GetInt32());
            var printedAfterRestore = await customers.PrintAgainAsync(lost);
            Assert.Equal(10_000, printedAfterRestore.Meter.AscendingMills + printedAfterRestore.Meter.DescendingMills);
            Assert.Equal(printed.Meter.PieceCount + 1, printedAfterRestore.Meter.PieceCount);

            // An entry of module-a's log edited in the archive: verify-log names that log and the entry, and module-b's log still verifies.
            var blobs = new BlobContainerClient(LocalServices.ArchiveConnectionString, HostEnvironment.ContainerName(clusterId));
            var segmentName = "";
            await foreach (var blob in blobs.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"logs/{ModuleA}/segments/" }))
            {
                segmentName = blob.Name;
                break;
            }
            Assert.NotEqual("", segmentName);
            var segment = (await blobs.GetBlobClient(segmentName).DownloadContentAsync()).Value.Content.ToArray();
            var tampered = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(segment.AsSpan(8)); // the segment's first entry
            var firstLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(segment.AsSpan(LogSegment.HeaderSize));
            segment[LogSegment.HeaderSize + 4 + firstLength - 1] ^= 1;
            await blobs.GetBlobClient(segmentName).UploadAsync(new BinaryData(segment), overwrite: true);
            var refused = await AdminAsync(["verify-log", .. archive, "--json"]);
            output.WriteLine($"verify-log after the edit of entry {tampered} of {ModuleA}: exit {refused.Exit}: {refused.Stdout}");
            Assert.Equal(AdminExitCodes.LogTampered, refused.Exit);
            var results = JsonDocument.Parse(refused.Stdout).RootElement.GetProperty("logs").EnumerateArray()
                .ToDictionary(l => l.GetProperty("log").GetString()!, l => l.GetProperty("verification"));
            Assert.Equal("EntryModified", results[ModuleA].GetProperty("failure").GetString());
            Assert.Equal(tampered, results[ModuleA].GetProperty("firstBadEntry").GetInt64());
            Assert.Equal("None", results[ModuleB].GetProperty("failure").GetString());
            var text = await AdminAsync(["verify-log", .. archive]);
            Assert.Contains($"log {ModuleB}: ok:", text.Stdout, StringComparison.Ordinal);
            Assert.Matches($"log {ModuleA}: (?!ok)", text.Stdout);

        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
        }
    }

    private static int Bucket(CustomerMeter meter) => ShardMap.BucketOf(meter.MeterId, 2);

    private static string ModuleOf(CustomerMeter meter) => Bucket(meter) == 0 ? ModuleB : ModuleA;

    private static async Task<Dictionary<string, JsonElement>> ShipAllAsync(HttpClient http)
    {
        var response = await http.PostAsync("/v1/operator/logs/ship", null);
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.EnumerateArray().ToDictionary(s => s.GetProperty("log").GetString()!, s => s);
    }

    /// <summary>Waits until every consumer's cursor in every log reached that log's head as it was at the call.</summary>
    private static async Task WaitForFeedAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Dictionary<(string, string), long>? heads = null;
        while (true)
        {
            var cursors = (await (await http.GetAsync("/v1/operator/feed")).JsonAsync()).EnumerateArray()
                .SelectMany(c => c.GetProperty("logs").EnumerateArray().Select(l => (
                    Key: (c.GetProperty("consumer").GetString()!, l.GetProperty("log").GetString()!),
                    Position: l.GetProperty("position").GetInt64(), Head: l.GetProperty("head").GetInt64())))
                .ToList();
            heads ??= cursors.ToDictionary(c => c.Key, c => c.Head);
            Assert.Equal(3 * heads.Keys.Select(k => k.Item1).Distinct().Count(), heads.Count); // three logs for every consumer
            if (cursors.All(c => c.Position >= heads[c.Key])) return;
            Assert.True(DateTime.UtcNow < deadline, "the log feed did not catch up on both logs within 60 s");
            await Task.Delay(100);
        }
    }

    private sealed record CustomerMeter(string MeterId, string CustomerId, string Token, byte[] Hmk);

    /// <summary>Customers as they use the system: sign up, license, register, log in, fund and print, through the SDK.</summary>
    private sealed class CustomerDriver(Uri baseAddress)
    {
        public async Task<CustomerMeter> NewMeterThatPrintsAsync()
        {
            using var anonymous = Client(null);
            var account = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
            using var client = Client(account.Token);
            var meter = await client.LicenseMeterAsync("10001");
            var identity = await client.GetModuleIdentityAsync();
            var hmk = await client.RegisterMeterAsync(meter.MeterId, CustomerHostFixture.Password, Convert.FromBase64String(identity.PublicKey));
            using var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, CustomerHostFixture.Password);
            await session.FundAsync(10_000, "shard-log-test-" + meter.MeterId);
            Assert.NotNull((await session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"))).IndiciumId);
            Assert.NotNull((await session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"))).IndiciumId);
            return new CustomerMeter(meter.MeterId, account.Customer.CustomerId, account.Token, hmk);
        }

        public async Task<TransactionResult> PrintAgainAsync(CustomerMeter meter)
        {
            using var client = Client(meter.Token);
            using var session = await client.OpenMeterSessionAsync(meter.MeterId, meter.Hmk, CustomerHostFixture.Password);
            return await session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"));
        }

        public VbiClient Client(string? token) =>
            new(new VbiClientOptions { BaseAddress = baseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60) });
    }

    private static string Connection(string database) => "shard_" + database.Replace('-', '_');

    private static string WriteMap(ExtraPostgres a, ExtraPostgres b)
    {
        var path = Path.Combine(Path.GetTempPath(), $"shard-map-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            format = ShardMap.FormatName,
            version = 1,
            buckets = 2,
            hash = ShardMap.HashName,
            databases = new[]
            {
                new { name = "postal-a", store = "postal", server = a.Server, connection = Connection("postal-a") },
                new { name = ModuleA, store = "module", server = a.Server, connection = Connection(ModuleA) },
                new { name = "postal-b", store = "postal", server = b.Server, connection = Connection("postal-b") },
                new { name = ModuleB, store = "module", server = b.Server, connection = Connection(ModuleB) },
            },
            postal = new[] { "postal-a", "postal-b" },
            module = new[] { ModuleB, ModuleA },
        }));
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
