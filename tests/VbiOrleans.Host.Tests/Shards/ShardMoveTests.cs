using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Database;
using VbiOrleans.Host.Shards;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Shards;

/// <summary>
/// Online moves (docs/scaling.md, "Moves"): customers print through the SDK's signed requests over HTTP while
/// <c>vbi-admin shards add</c> adds databases and <c>vbi-admin shards move</c> moves a bucket of each store to them, on a
/// third PostgreSQL server. Nothing acknowledged is lost or doubled, the registers add up, each moved meter's rows are
/// in its new databases only, and its log records are in its old log then its new one, in sequence. A second test
/// SIGKILLs the host in the middle of a move (after the copy, before the switch); the restarted host carries it on.
/// </summary>
[Trait("Services", "PostgreSQL, extra clusters")]
[Collection(ExtraPostgresServers.Name)]
public sealed class ShardMoveTests(ITestOutputHelper output)
{
    private const long FundMills = 1_000_000;
    private const int MaxMeters = 10;

    /// <summary>How long a print may take while its bucket moves ("a few seconds", ShardedGrainStorage.MaxMoveWait and some).</summary>
    private static readonly TimeSpan MaxPrintDuringMove = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Buckets_move_to_a_new_server_during_a_signed_print_storm_and_nothing_is_lost_or_doubled()
    {
        await using var world = await World.StartAsync("s24m-a", "s24m-b", killAt: null);
        // Two silos of one cluster, customers on both: a meter's activation may be on a silo whose map is a second behind.
        var second = new Dictionary<string, string?>(world.Environment)
        {
            ["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var starting = new[] { HostEnvironment.StartAsync(world.Port, world.Environment), HostEnvironment.StartAsync(FreePorts.Next(), second) };
        await Task.WhenAll(starting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        await using var host = await starting[0];
        await using var other = await starting[1];
        var (meters, sessions) = await world.MetersAsync(host.BaseAddress, other.BaseAddress);
        try
        {
            var storm = new Storm(meters, sessions);
            using var stop = new CancellationTokenSource();
            var workers = storm.Start(stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(1.5));

            var server = host.BaseAddress.ToString();
            var moved = Stopwatch.StartNew();
            await world.AddAndMoveAsync(server, ShardMap.PostalStore, "postal-c", world.Home.Server, 1);
            await world.AddAndMoveAsync(server, ShardMap.ModuleStore, "module-a2", world.A.Server, 1);
            moved.Stop();
            await Task.Delay(TimeSpan.FromSeconds(2));
            stop.Cancel();
            await Task.WhenAll(workers);
            output.WriteLine($"moves took {moved.Elapsed.TotalSeconds:0.0} s; {storm.Acknowledged.Count} prints, slowest {storm.Slowest.TotalSeconds:0.00} s");

            Assert.True(storm.Failures.IsEmpty, $"{storm.Failures.Count} prints failed for good, e.g. {storm.Failures.FirstOrDefault()}");
            Assert.True(storm.Slowest < MaxPrintDuringMove, $"a print took {storm.Slowest.TotalSeconds:0.0} s while its bucket moved");

            // A move stuck with its fence up (its coordinator gone, say): a print of the bucket's meter waits its bound,
            // then fails with ShardBucketMoving (503) after its module memory and log record committed; the same request
            // again, once the fence is down, is answered once (the same indicium), and counted once below.
            var meter = meters.First(m => ShardMap.BucketOf(m, 2) == 1);
            var (postalServer, postalDatabase) = world.Databases["postal-c"];
            await postalServer.CountAsync(postalDatabase, "WITH f AS (INSERT INTO vbi_shard_fence (bucket, buckets, state, move_id) VALUES (1, 2, 'fenced', 0) RETURNING 1) SELECT count(*) FROM f");
            var waited = Stopwatch.StartNew();
            var refused = await Assert.ThrowsAsync<VbiApiException>(() => sessions[meter].PrintAsync(new PrintOrder(333, "94103", "FIRST-CLASS"), idempotencyKey: "stuck"));
            waited.Stop();
            Assert.Equal((503, VbiErrorCodes.ShardBucketMoving), (refused.Status, refused.Code));
            // The SDK sent it again after each 503 (its Retries), and each try waited the server's bound.
            var tries = new VbiClientOptions().Retries + 1;
            Assert.True(waited.Elapsed >= tries * ShardedGrainStorage.MaxMoveWait && waited.Elapsed < tries * (ShardedGrainStorage.MaxMoveWait + TimeSpan.FromSeconds(2)),
                $"the refused print took {waited.Elapsed.TotalSeconds:0.0} s for {tries} tries");
            await postalServer.CountAsync(postalDatabase, "WITH f AS (DELETE FROM vbi_shard_fence WHERE move_id = 0 RETURNING 1) SELECT count(*) FROM f");
            var again = await sessions[meter].PrintAsync(new PrintOrder(333, "94103", "FIRST-CLASS"), idempotencyKey: "stuck");
            storm.Acknowledged.Enqueue((meter, "stuck", 333, again));

            await world.CheckAsync(host.BaseAddress, meters, storm, output);
        }
        finally
        {
            foreach (var session in sessions.Values) session.Dispose();
        }
    }

    [Fact]
    public async Task A_move_whose_coordinator_is_SIGKILLed_after_the_copy_is_carried_on_by_the_restarted_host()
    {
        var armed = Path.Combine(Path.GetTempPath(), $"s24m-armed-{Guid.NewGuid():N}");
        await using var world = await World.StartAsync("s24m-c", "s24m-d", killAt: armed);
        var host = await HostEnvironment.StartAsync(world.Port, world.Environment);
        var (meters, sessions) = await world.MetersAsync(host.BaseAddress, host.BaseAddress);
        try
        {
            var storm = new Storm(meters, sessions);
            using var stop = new CancellationTokenSource();
            var workers = storm.Start(stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(1));

            var server = host.BaseAddress.ToString();
            var add = await AdminAsync("shards", "add", "--name", "postal-c", "--store", "postal", "--server-address", world.Home.Server,
                "--connection", World.Connection("postal-c"), "--server", server);
            Assert.True(add.Exit == 0, add.Stderr);
            await File.WriteAllTextAsync(armed, "kill the coordinator after its copy");
            var move = await AdminAsync("shards", "move", "--store", "postal", "--buckets", "1", "--to", "postal-c", "--server", server);
            Assert.True(move.Exit != 0, $"the move answered although its host was to die: {move.Stdout}");
            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(20));
            Assert.True(host.HasExited, "the host did not die at the fault point");
            Assert.False(File.Exists(armed), "the fault point was not reached");
            output.WriteLine($"host exited with {code} at the fault point");

            // Half a move on disk: copied rows in the new database, the fence up in the old one, the map not switched.
            var open = await world.MovesAsync();
            Assert.Equal(ShardMove.Copying, open[0].Phase);
            Assert.True(await world.Home.CountAsync(world.Databases["postal-c"].Database, "SELECT count(*) FROM OrleansStorage WHERE vbi_is_meter_id(GrainIdExtensionString)") > 0,
                "the copy was not committed before the kill");

            await host.DisposeAsync();
            host = await HostEnvironment.StartAsync(world.Port, world.Environment);
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
            while ((await world.MovesAsync())[0].Phase != ShardMove.Done && DateTimeOffset.UtcNow < deadline) await Task.Delay(250);
            var done = (await world.MovesAsync())[0];
            Assert.True(done.Phase == ShardMove.Done, $"the move was not carried on: phase {done.Phase} ({done.Note})");
            Assert.True(done.RowsCopied > 0);
            // What the operator sees: the move Done in the list, nothing left to resume.
            var listed = await AdminAsync("shards", "moves", "--server", host.BaseAddress.ToString(), "--json");
            Assert.True(listed.Exit == 0, listed.Stderr);
            Assert.Equal(ShardMove.Done, JsonDocument.Parse(listed.Stdout).RootElement.GetProperty("moves")[0].GetProperty("phase").GetString());
            var resume = await AdminAsync("shards", "move", "--resume", "--server", host.BaseAddress.ToString(), "--json");
            Assert.True(resume.Exit == 0, resume.Stderr);
            Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(resume.Stdout).RootElement.GetProperty("resumed").ValueKind);

            // A move whose new database does not let it fence (a lock held there past the 5 s bound) rolls back: the map
            // stays, the old database's fence comes down, and the bucket's meters print on where they were.
            var addModule = await AdminAsync("shards", "add", "--name", "module-a2", "--store", "module", "--server-address", world.A.Server,
                "--connection", World.Connection("module-a2"), "--server", host.BaseAddress.ToString());
            Assert.True(addModule.Exit == 0, addModule.Stderr);
            var (moduleServer, moduleDatabase) = world.Databases["module-a2"];
            await using (var blocker = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(moduleServer.ConnectionString(moduleDatabase)) { Pooling = false }.ConnectionString))
            {
                await blocker.OpenAsync();
                await using var hold = await blocker.BeginTransactionAsync();
                await using (var take = new NpgsqlCommand("LOCK TABLE OrleansStorage IN ACCESS EXCLUSIVE MODE", blocker, hold)) await take.ExecuteNonQueryAsync();
                var blocked = await AdminAsync("shards", "move", "--store", "module", "--buckets", "1", "--to", "module-a2", "--server", host.BaseAddress.ToString());
                Assert.True(blocked.Exit != 0, $"the move succeeded although its new database was locked: {blocked.Stdout}");
                Assert.Contains(VbiErrorCodes.ShardMoveFailed, blocked.Stderr, StringComparison.Ordinal);
            }
            var rolledBack = (await world.MovesAsync())[0];
            Assert.True(rolledBack.Phase == ShardMove.RolledBack, $"phase {rolledBack.Phase} ({rolledBack.Note})");
            var (oldModuleServer, oldModuleDatabase) = world.Databases["module-b"];
            Assert.Equal(0L, await oldModuleServer.CountAsync(oldModuleDatabase, "SELECT count(*) FROM vbi_shard_fence WHERE state = 'fenced'"));
            Assert.Equal(0L, await moduleServer.CountAsync(moduleDatabase, "SELECT count(*) FROM OrleansStorage WHERE vbi_is_meter_id(GrainIdExtensionString)"));

            // The clients' prints that could not reach the dead host were retried with their keys (same port) until it was back.
            await Task.Delay(TimeSpan.FromSeconds(2));
            stop.Cancel();
            await Task.WhenAll(workers);
            Assert.True(storm.Failures.IsEmpty, $"{storm.Failures.Count} prints failed for good, e.g. {storm.Failures.FirstOrDefault()}");
            await world.CheckAsync(host.BaseAddress, meters, storm, output);
        }
        finally
        {
            foreach (var session in sessions.Values) session.Dispose();
            await host.DisposeAsync();
            File.Delete(armed);
        }
    }

    /// <summary>One signed print after another on each meter, each retried with its own key until it is answered.</summary>
    private sealed class Storm(IReadOnlyList<string> meters, IReadOnlyDictionary<string, MeterSession> sessions)
    {
        /// <summary>How long one print is retried (a host restart included) before it counts as failed.</summary>
        private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(75);

        public ConcurrentQueue<(string MeterId, string Key, long Postage, TransactionResult Result)> Acknowledged { get; } = new();
        public ConcurrentQueue<string> Failures { get; } = new();
        public TimeSpan Slowest { get; private set; }
        private readonly Lock _gate = new();

        public Task[] Start(CancellationToken stop) => [.. meters.Select((meter, index) => Task.Run(() => RunAsync(meter, index, stop)))];

        private async Task RunAsync(string meterId, int index, CancellationToken stop)
        {
            var session = sessions[meterId];
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var postage = 100 + (index * 37 + i) % 400;
                var key = $"storm-{meterId}-{i}";
                var started = Stopwatch.StartNew();
                var giveUp = DateTimeOffset.UtcNow + RetryFor;
                while (true)
                {
                    try
                    {
                        var result = await session.PrintAsync(new PrintOrder(postage, "94103", "FIRST-CLASS"), idempotencyKey: key);
                        Acknowledged.Enqueue((meterId, key, postage, result));
                        lock (_gate) Slowest = started.Elapsed > Slowest ? started.Elapsed : Slowest;
                        break;
                    }
                    catch (Exception e) when (e is VbiApiException { Status: 0 or >= 500 } or HttpRequestException or TaskCanceledException)
                    {
                        if (DateTimeOffset.UtcNow > giveUp)
                        {
                            Failures.Enqueue($"{meterId} {key}: {e.Message}");
                            return;
                        }
                        await Task.Delay(200);
                    }
                    catch (VbiApiException e)
                    {
                        Failures.Enqueue($"{meterId} {key}: {e.Status} {e.Code} {e.Message}");
                        return;
                    }
                }
            }
        }
    }

    /// <summary>Two extra servers and the local one, the databases of the map on them, and the environment of a host routing by it.</summary>
    private sealed class World : IAsyncDisposable
    {
        private World(ExtraPostgres a, ExtraPostgres b, HomeServer home, string homeDatabase, Dictionary<string, (IServer Server, string Database)> databases,
            Dictionary<string, string?> environment)
        {
            A = a;
            B = b;
            Home = home;
            HomeDatabase = homeDatabase;
            Databases = databases;
            Environment = environment;
        }

        public ExtraPostgres A { get; }
        public ExtraPostgres B { get; }
        public HomeServer Home { get; }
        public string HomeDatabase { get; }
        public Dictionary<string, (IServer Server, string Database)> Databases { get; }

        public Dictionary<string, string?> Environment { get; }
        public int Port { get; } = FreePorts.Next();

        public static string Connection(string database) => "s24m_" + database.Replace('-', '_');

        public static async Task<World> StartAsync(string serverA, string serverB, string? killAt)
        {
            // One after the other: services.sh picks each server's port from the free ones when it starts.
            var a = await ExtraPostgres.StartAsync(serverA);
            var b = await ExtraPostgres.StartAsync(serverB);
            var home = new HomeServer();
            var homeDatabase = await LocalServices.CreateScratchDatabaseAsync("vbi_moves");
            // Bucket 0 and 1: PSD packages on server A, module memory on server B. Added later: postal-c on the local
            // server and module-a2 on server A (databases made now, as an operator makes them before `shards add`).
            var databases = new Dictionary<string, (IServer, string)>
            {
                ["postal-a"] = (new Extra(a), await a.CreateDatabaseAsync("postal")),
                ["module-b"] = (new Extra(b), await b.CreateDatabaseAsync("module")),
                ["module-a2"] = (new Extra(a), await a.CreateDatabaseAsync("module")),
                ["postal-c"] = (home, await LocalServices.CreateScratchDatabaseAsync("vbi_moves_postal_c")),
            };
            var env = HostEnvironment.ScratchCluster("moves-" + Guid.NewGuid().ToString("N")[..8], homeDatabase, poolTarget: 4);
            foreach (var (name, (server, database)) in databases) env[$"ConnectionStrings__{Connection(name)}"] = server.ConnectionString(database);
            env.ArmedAt(killAt is null ? null : FaultPoints.ShardMoveCopied, killAt);

            // The first map, set before any meter exists (as `vbi-admin shards set` would, ShardRoutingTests drives that).
            var membership = LocalServices.ConnectionString(homeDatabase);
            await SchemaInstaller.ApplyToAsync("membership", membership, _ => { }, CancellationToken.None);
            var map = JsonSerializer.Serialize(new
            {
                format = ShardMap.FormatName,
                version = 1,
                buckets = 2,
                hash = ShardMap.HashName,
                databases = new[]
                {
                    new { name = "postal-a", store = "postal", server = a.Server, connection = Connection("postal-a") },
                    new { name = "module-b", store = "module", server = b.Server, connection = Connection("module-b") },
                },
                postal = new[] { "postal-a", "postal-a" },
                module = new[] { "module-b", "module-b" },
            });
            var (set, error) = await new PostgresShardMapStore(membership).SetAsync(map, "test");
            Assert.True(set is not null, error?.Message);
            return new World(a, b, home, homeDatabase, databases, env);
        }

        /// <summary>
        /// Customers' meters, funded, with an open session each (through the hosts in turn), until bucket 1 (the one that
        /// moves) holds two and bucket 0 one.
        /// </summary>
        public async Task<(IReadOnlyList<string> Meters, IReadOnlyDictionary<string, MeterSession> Sessions)> MetersAsync(params Uri[] hosts)
        {
            var sessions = new Dictionary<string, MeterSession>();
            var inBucket = new int[2];
            for (var i = 0; i < MaxMeters && (inBucket[1] < 2 || inBucket[0] < 1); i++)
            {
                var baseAddress = hosts[i % hosts.Length];
                using var anonymous = Client(baseAddress, null);
                var account = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
                var client = Client(baseAddress, account.Token);
                var meter = await client.LicenseMeterAsync("10001");
                var identity = await client.GetModuleIdentityAsync();
                var hmk = await client.RegisterMeterAsync(meter.MeterId, CustomerHostFixture.Password, Convert.FromBase64String(identity.PublicKey));
                var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, CustomerHostFixture.Password);
                await session.FundAsync(FundMills, "moves-" + meter.MeterId);
                sessions[meter.MeterId] = session;
                inBucket[ShardMap.BucketOf(meter.MeterId, 2)]++;
            }
            Assert.True(inBucket[1] >= 1 && inBucket[0] >= 1, $"the meters fell {inBucket[0]} in bucket 0 and {inBucket[1]} in bucket 1");
            return ([.. sessions.Keys], sessions);
        }

        private static VbiClient Client(Uri baseAddress, string? token) =>
            new(new VbiClientOptions { BaseAddress = baseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(30) });

        public async Task AddAndMoveAsync(string server, string store, string database, string at, int bucket)
        {
            var add = await AdminAsync("shards", "add", "--name", database, "--store", store, "--server-address", at, "--connection", Connection(database), "--server", server);
            Assert.True(add.Exit == 0, add.Stderr);
            var move = await AdminAsync("shards", "move", "--store", store, "--buckets", bucket.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--to", database, "--server", server, "--json");
            Assert.True(move.Exit == 0, move.Stderr);
            Assert.Equal(ShardMove.Done, JsonDocument.Parse(move.Stdout).RootElement.GetProperty("phase").GetString());
        }

        /// <summary>The moves' records in the membership database, newest first.</summary>
        public async Task<IReadOnlyList<(string Phase, string? Note, long? RowsCopied)>> MovesAsync()
        {
            var rows = await LocalServices.RowsAsync(HomeDatabase, "SELECT phase, note, rows_copied FROM vbi_shard_moves ORDER BY id DESC");
            return [.. rows.Select(r => ((string)r[0]!, r[1] as string, r[2] as long?))];
        }

        /// <summary>What must hold after the storm and the moves, per meter.</summary>
        public async Task CheckAsync(Uri baseAddress, IReadOnlyList<string> meters, Storm storm, ITestOutputHelper output)
        {
            var map = await new PostgresShardMapStore(LocalServices.ConnectionString(HomeDatabase)).CurrentAsync();
            Assert.NotNull(map);
            var acknowledged = storm.Acknowledged.ToList();
            Assert.True(acknowledged.Count >= meters.Count * 3, $"only {acknowledged.Count} prints were acknowledged");
            Assert.True(acknowledged.Select(p => p.Result.IndiciumId).Distinct().Count() == acknowledged.Count, "two prints were answered with one indicium");
            using var operatorHttp = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
            operatorHttp.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{HostEnvironment.OperatorName}:{HostEnvironment.OperatorKey}")));
            var movedMeters = 0;
            foreach (var meterId in meters)
            {
                var bucket = ShardMap.BucketOf(meterId, 2);
                var mine = acknowledged.Where(p => p.MeterId == meterId).OrderBy(p => p.Result.Sequence).ToList();
                Assert.True(mine.Count >= 2, $"meter {meterId} (bucket {bucket}) printed {mine.Count} times: it stopped printing");

                // Registers: AR + DR = funded, AR = the postage of exactly the acknowledged prints, module memory = postal row.
                using var response = await operatorHttp.PostAsync($"/v1/operator/meters/{meterId}/reconcile", null);
                var reconcile = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.True(response.IsSuccessStatusCode, $"reconcile {meterId}: {reconcile}");
                Assert.True(reconcile.GetProperty("matchesModuleMemory").GetBoolean(), $"meter {meterId}: the postal row and module memory disagree: {reconcile}");
                var audit = reconcile.GetProperty("audit");
                var registers = audit.GetProperty("registers");
                long ar = registers.GetProperty("ascendingMills").GetInt64(), dr = registers.GetProperty("descendingMills").GetInt64();
                Assert.True(ar + dr == FundMills, $"I1: meter {meterId} has AR {ar} + DR {dr} != {FundMills}");
                Assert.True(ar == mine.Sum(p => p.Postage), $"I4: meter {meterId} charged {ar} mills for acknowledged prints of {mine.Sum(p => p.Postage)}");
                Assert.True(registers.GetProperty("pieceCount").GetInt64() == mine.Count, $"I4: meter {meterId} counts {registers.GetProperty("pieceCount")} pieces for {mine.Count} prints");

                // The log: each acknowledged print once, across the meter's logs (its old one first), and no other print.
                var logged = new List<(string Log, long Sequence)>();
                foreach (var module in new[] { "module-b", "module-a2" })
                {
                    var (server, database) = Databases[module];
                    if (!await server.HasTableAsync(database, "vbi_log")) continue;
                    foreach (var sequence in await server.PrintSequencesAsync(database, meterId)) logged.Add((module, sequence));
                }
                var sequences = logged.Select(l => l.Sequence).ToList();
                Assert.True(sequences.Distinct().Count() == sequences.Count, $"I2/I4: meter {meterId} has a print sequence twice in its logs: {string.Join(",", logged)}");
                Assert.True(sequences.Count == mine.Count, $"I4/I6: meter {meterId} has {sequences.Count} prints in its logs for {mine.Count} acknowledged");
                var missing = mine.Where(p => !sequences.Contains(p.Result.Sequence)).ToList();
                Assert.True(missing.Count == 0, $"I3: {missing.Count} acknowledged prints of {meterId} are in no log");
                if (logged.Select(l => l.Log).Distinct().Count() == 2)
                {
                    var lastOld = logged.Where(l => l.Log == "module-b").Max(l => l.Sequence);
                    var firstNew = logged.Where(l => l.Log == "module-a2").Min(l => l.Sequence);
                    Assert.True(lastOld < firstNew, $"meter {meterId}: its old log has sequence {lastOld} after its new log's first, {firstNew}");
                }

                // Its rows: only in its bucket's databases now.
                var postal = map!.DatabaseOf(ShardMap.PostalStore, bucket).Name;
                var moduleDb = map.DatabaseOf(ShardMap.ModuleStore, bucket).Name;
                foreach (var (name, (server, database)) in Databases)
                {
                    if (!await server.HasTableAsync(database, "orleansstorage")) continue;
                    var rows = await server.CountAsync(database, "SELECT count(*) FROM OrleansStorage WHERE GrainIdExtensionString = @id", ("id", meterId));
                    var expected = name == postal || name == moduleDb;
                    Assert.True(expected ? rows > 0 : rows == 0, $"meter {meterId} (bucket {bucket}): {rows} rows in {name}");
                }
                if (bucket == 1) movedMeters++;

                // Its last print verifies online, found in the records through its bucket's logs.
                var last = mine[^1].Result;
                using var verify = await operatorHttp.PostAsJsonAsync("/v1/indicia/verify", new { indicium = last.Indicium });
                var verdict = JsonDocument.Parse(await verify.Content.ReadAsStringAsync()).RootElement;
                Assert.True(verdict.GetProperty("valid").GetBoolean() && verdict.GetProperty("online").GetProperty("inRecords").GetBoolean(),
                    $"meter {meterId}'s last indicium does not verify in the records: {verdict}");
            }
            Assert.True(movedMeters >= 1, "no meter was in the moved bucket");
            output.WriteLine($"{meters.Count} meters, {movedMeters} moved, {acknowledged.Count} prints checked");
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }

    private sealed class Extra(ExtraPostgres server) : IServer
    {
        public string Server => server.Server;
        public string ConnectionString(string database) => server.ConnectionString(database);
    }

    private sealed class HomeServer : IServer
    {
        public string Server => $"127.0.0.1:{new NpgsqlConnectionStringBuilder(LocalServices.PostgresBase).Port}";
        public string ConnectionString(string database) => LocalServices.ConnectionString(database);
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

/// <summary>A PostgreSQL server of the test: an extra one, or the local one.</summary>
internal interface IServer
{
    string Server { get; }
    string ConnectionString(string database);
}

/// <summary>Reads of a test server's databases.</summary>
internal static class ServerReads
{
    private static NpgsqlConnection Open(IServer server, string database) =>
        new(new NpgsqlConnectionStringBuilder(server.ConnectionString(database)) { Pooling = false }.ConnectionString);

    public static async Task<long> CountAsync(this IServer server, string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = Open(server, database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<bool> HasTableAsync(this IServer server, string database, string table) =>
        await server.CountAsync(database, "SELECT count(*) FROM pg_class WHERE relname = @t AND relkind = 'r'", ("t", table)) > 0;

    /// <summary>The sequences of a meter's print records in one module database's log.</summary>
    public static async Task<List<long>> PrintSequencesAsync(this IServer server, string database, string meterId)
    {
        await using var connection = Open(server, database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT meter_sequence FROM vbi_log WHERE meter_id = @id AND kind = @kind", connection);
        command.Parameters.AddWithValue("id", meterId);
        command.Parameters.AddWithValue("kind", (short)Domain.Transactions.TransactionKind.Print);
        await using var reader = await command.ExecuteReaderAsync();
        var sequences = new List<long>();
        while (await reader.ReadAsync()) sequences.Add(reader.GetInt64(0));
        return sequences;
    }
}
