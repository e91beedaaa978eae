using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Npgsql;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Standby;

/// <summary>
/// Failover to a streaming standby, on a primary/standby pair of our own (infra/local/services.sh replica-pair), never
/// on the shared cluster. The invariants:
/// <list type="bullet">
/// <item>S1 caught up: a transaction committed on the primary before the standby caught up is on the promoted standby.</item>
/// <item>S2 synchronous: with synchronous replication, every commit the primary acknowledged survives its SIGKILL.</item>
/// <item>S3 writable: the promoted standby accepts writes.</item>
/// <item>S4 silos follow: a silo pointed at the promoted standby serves /health/ready and the data written before the crash.</item>
/// </list>
/// </summary>
[Trait("Services", "PostgreSQL replica pair+Azurite")]
public sealed class StandbyReplicaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rows_committed_before_the_standby_caught_up_are_all_on_the_promoted_standby_which_accepts_writes()
    {
        await using var pair = await StandbyDatabase.StartAsync();
        await pair.InitializeSchemaAsync(HostEnvironment.Cluster("standby-" + pair.Name, pair.PrimaryStores));

        // One transaction per grain state, as the silos write them.
        const int rows = 1000;
        var service = "standby-" + pair.Name;
        var written = new Dictionary<long, byte[]>();
        var writing = Stopwatch.StartNew();
        await using (var primary = await OpenAsync(pair.PrimaryConnectionString("vbi_postal")))
        {
            for (long i = 0; i < rows; i++)
            {
                var payload = SHA256.HashData(BitConverter.GetBytes(i));
                Assert.Equal(1, await GrainStateWrites.WriteAsync(primary, (int)i, i, 0, 7, "standby-probe", null, service, null, payload));
                written[i] = payload;
            }
        }
        writing.Stop();

        var lagBefore = await pair.ReplicationLagBytesAsync();
        var catchUp = await pair.WaitForStandbyCaughtUpAsync();
        Assert.Equal(0, await pair.ReplicationLagBytesAsync());

        await pair.KillPrimaryAsync();
        var promotion = Stopwatch.StartNew();
        await pair.PromoteAsync();
        promotion.Stop();

        var found = new Dictionary<long, byte[]>();
        await using (var promoted = await OpenAsync(pair.StandbyConnectionString("vbi_postal")))
        {
            await using var read = new NpgsqlCommand("SELECT GrainIdN0, PayloadBinary FROM OrleansStorage WHERE ServiceId = @service", promoted);
            read.Parameters.AddWithValue("service", service);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync()) found[reader.GetInt64(0)] = (byte[])reader[1];
        }
        var missing = written.Keys.Where(k => !found.TryGetValue(k, out var p) || !p.AsSpan().SequenceEqual(written[k])).ToList();
        Assert.True(missing.Count == 0, $"S1 caught up: {missing.Count} of {rows} committed grain states are missing or differ on the promoted standby (first: {string.Join(", ", missing.Take(5))})");
        Assert.Equal(rows, found.Count);

        await using (var promoted = await OpenAsync(pair.StandbyConnectionString("vbi_postal")))
        {
            Assert.True(1 == await GrainStateWrites.WriteAsync(promoted, rows, rows, 0, 7, "standby-probe", null, service, null, [1]),
                "S3 writable: the promoted standby did not take a new grain state");
        }

        output.WriteLine($"pair {pair.Name}: primary 127.0.0.1:{pair.PrimaryPort}, standby 127.0.0.1:{pair.StandbyPort}, {pair.Mode}");
        output.WriteLine($"{rows} grain states committed one by one in {writing.ElapsedMilliseconds} ms; lag {lagBefore} bytes; caught up in {catchUp.TotalMilliseconds:F0} ms");
        output.WriteLine($"SIGKILL to the primary, then promoted and writable in {promotion.ElapsedMilliseconds} ms; {found.Count} of {rows} rows on the promoted standby");
    }

    [Fact]
    public async Task With_synchronous_replication_every_acknowledged_commit_survives_a_primary_killed_mid_write()
    {
        await using var pair = await StandbyDatabase.StartAsync(ReplicationMode.Synchronous);
        await using (var setup = await OpenAsync(pair.PrimaryConnectionString("vbi_postal")))
        {
            await using var create = new NpgsqlCommand("CREATE TABLE standby_probe (writer int, seq int, PRIMARY KEY (writer, seq))", setup);
            await create.ExecuteNonQueryAsync();
        }

        // Writers insert until the primary dies under them; each remembers the last insert it saw committed.
        const int writers = 4;
        var acknowledged = new int[writers];
        using var stop = new CancellationTokenSource();
        var storm = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            acknowledged[w] = -1;
            try
            {
                await using var connection = await OpenAsync(pair.PrimaryConnectionString("vbi_postal"));
                for (var seq = 0; !stop.IsCancellationRequested; seq++)
                {
                    await using var insert = new NpgsqlCommand($"INSERT INTO standby_probe VALUES ({w}, {seq})", connection);
                    await insert.ExecuteNonQueryAsync();
                    acknowledged[w] = seq;
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The primary died: whatever was not acknowledged may or may not have committed.
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        await pair.KillPrimaryAsync();
        var promotion = Stopwatch.StartNew();
        await pair.PromoteAsync();
        promotion.Stop();
        stop.Cancel();
        await Task.WhenAll(storm);
        Assert.True(acknowledged.All(a => a >= 0), "the writers committed nothing before the kill: " + string.Join(", ", acknowledged));

        var onStandby = new Dictionary<int, HashSet<int>>();
        await using (var promoted = await OpenAsync(pair.StandbyConnectionString("vbi_postal")))
        {
            await using var read = new NpgsqlCommand("SELECT writer, seq FROM standby_probe", promoted);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var writer = reader.GetInt32(0);
                if (!onStandby.TryGetValue(writer, out var seqs)) onStandby[writer] = seqs = [];
                seqs.Add(reader.GetInt32(1));
            }
        }
        for (var w = 0; w < writers; w++)
        {
            var seqs = onStandby.GetValueOrDefault(w) ?? [];
            var lost = Enumerable.Range(0, acknowledged[w] + 1).Where(s => !seqs.Contains(s)).ToList();
            Assert.True(lost.Count == 0, $"S2 synchronous: writer {w} lost {lost.Count} acknowledged commits (first: {string.Join(", ", lost.Take(5))})");
            // At most the one insert in flight at the kill may have committed without its acknowledgement.
            Assert.True(seqs.Count <= acknowledged[w] + 2, $"writer {w}: {seqs.Count} rows on the standby but only {acknowledged[w] + 1} acknowledged");
        }

        await using (var promoted = await OpenAsync(pair.StandbyConnectionString("vbi_postal")))
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO standby_probe VALUES ({writers}, 0)", promoted);
            Assert.True(await insert.ExecuteNonQueryAsync() == 1, "S3 writable: the promoted standby did not take an insert");
        }

        var total = acknowledged.Sum(a => a + 1);
        output.WriteLine($"pair {pair.Name}: {pair.Mode}; {writers} writers, {total} commits acknowledged in 2 s before the SIGKILL " +
                         $"({string.Join(", ", acknowledged.Select(a => a + 1))}), {onStandby.Values.Sum(s => s.Count)} rows on the promoted standby");
        output.WriteLine($"promote (pg_ctl promote, then a write accepted) took {promotion.ElapsedMilliseconds} ms after kill-primary returned");
    }

    [Fact]
    public async Task A_cluster_host_on_the_primary_is_followed_by_one_on_the_promoted_standby_that_serves_the_same_data()
    {
        await using var pair = await StandbyDatabase.StartAsync(ReplicationMode.Synchronous);
        var clusterId = "standby-" + pair.Name;
        var onPrimary = WithShortIAmAlive(HostEnvironment.Cluster(clusterId, pair.PrimaryStores));
        await pair.InitializeSchemaAsync(onPrimary);

        var serials = Enumerable.Range(0, 6).Select(i => $"SB{Random.Shared.Next(100_000, 999_999)}{i:D2}").ToList();
        await using var first = HostProcess.Start(onPrimary);
        var started = Stopwatch.StartNew();
        await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var firstReady = started.Elapsed;
        using (var http = OperatorHttp.Client(first.BaseAddress))
        {
            foreach (var serial in serials)
            {
                using var response = await http.RegisterAsync(serial, $"label of {serial}");
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
        }

        var sinceKill = Stopwatch.StartNew();
        await pair.KillPrimaryAsync();
        // The silo on the dead primary stops being ready (or dies): it is no use until it is pointed elsewhere.
        Assert.True(await NotReadyWithinAsync(first, TimeSpan.FromSeconds(60)), "the host on the killed primary still reports ready");

        var promotion = Stopwatch.StartNew();
        await pair.PromoteAsync();
        promotion.Stop();

        // The operator restarts the silo with the standby's connection strings; the cluster id stays.
        first.KillHard();
        var onStandby = WithShortIAmAlive(HostEnvironment.Cluster(clusterId, pair.StandbyStores));
        await using var second = HostProcess.Start(onStandby);
        started.Restart();
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var secondReady = started.Elapsed;
        var sinceKillReady = sinceKill.Elapsed;

        using (var http = OperatorHttp.Client(second.BaseAddress))
        {
            using var response = await http.GetAsync("/v1/operator/modules");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var listed = (await response.JsonAsync()).EnumerateArray().Select(r => r.GetProperty("serial").GetString()).ToHashSet();
            var missing = serials.Where(s => !listed.Contains(s)).ToList();
            Assert.True(missing.Count == 0, $"S4 silos follow: modules registered before the crash are missing after failover: {string.Join(", ", missing)}");

            var after = $"SB{Random.Shared.Next(100_000, 999_999)}99";
            using var register = await http.RegisterAsync(after, "registered after the failover");
            Assert.True(register.StatusCode == HttpStatusCode.Created, $"S3 writable: registering through the promoted standby answered {register.StatusCode}");
        }

        output.WriteLine($"pair {pair.Name}: {pair.Mode}; host on the primary ready in {firstReady.TotalSeconds:F1} s, {serials.Count} modules registered");
        output.WriteLine($"promoted in {promotion.ElapsedMilliseconds} ms; host on the promoted standby ready in {secondReady.TotalSeconds:F1} s " +
                         $"({sinceKillReady.TotalSeconds:F1} s after the kill) and lists all {serials.Count}");
    }

    /// <summary>
    /// The membership table on the standby still lists the silo that died with the primary as Active. A joining silo
    /// evicts it only once its IAmAlive is stale: 90 s with Orleans' defaults (30 s x 3), 10 s here.
    /// </summary>
    private static Dictionary<string, string?> WithShortIAmAlive(Dictionary<string, string?> env)
    {
        env["Vbi__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        env["Vbi__Cluster__Membership__NumMissedTableIAmAliveLimit"] = "2";
        return env;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<bool> NotReadyWithinAsync(HostProcess host, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (host.HasExited) return true;
            try
            {
                using var response = await http.GetAsync(new Uri(host.BaseAddress, "/health/ready"));
                if (!response.IsSuccessStatusCode) return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return true;
            }
            await Task.Delay(250);
        }
        return false;
    }
}
