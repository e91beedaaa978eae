using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Admin;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Standby;

/// <summary>
/// The database fails over in the middle of a print storm (issue 6 item 5): a Cluster host prints on the primary of a
/// replica pair of its own, the primary is SIGKILLed, the standby is promoted and a new host is started on it with the
/// same cluster id. What must hold afterwards:
/// <list type="bullet">
/// <item>I3 durable before release: every indicium acknowledged before the failover is in the log and the records of
/// the promoted standby.</item>
/// <item>I4 at most once: every request whose outcome the client could not know, retried with its key, takes effect
/// once; a second retry returns the same indicium; no meter is charged twice.</item>
/// <item>I1 conservation, I2 monotonic (no acknowledged sequence is reused or lost), and module memory equal to the
/// postal row once reconciled.</item>
/// <item>I6: the log goes on being sealed and shipped on the promoted standby, and the archive, shipped partly before
/// the failover and partly after, verifies with every entry.</item>
/// </list>
/// The standby is synchronous, and must be: with asynchronous replication the primary acknowledges a commit before the
/// standby has it, so a failover can lose module memory's checkpoint, the log record or the postal row of a print
/// whose indicium has already left. The promoted standby would then be behind what customers hold: I3 and I2 broken
/// by the database, not by the code. The product's position is that a standby it fails over to is synchronous
/// (synchronous_standby_names with synchronous_commit = on, as <c>services.sh replica-pair start NAME --sync</c> sets up).
/// </summary>
[Collection(Durability.DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL replica pair+Azurite+SoftHSM2")]
public sealed class StandbyFailoverStormTests(ITestOutputHelper output)
{
    private const int Meters = 20;
    private const int Workers = 16;
    private const long FundMills = 1_000_000;
    private static readonly TimeSpan Storm = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StormOnDeadPrimary = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SecondStorm = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Killing_the_primary_during_a_print_storm_and_promoting_the_synchronous_standby_loses_nothing_and_keeps_the_invariants()
    {
        var total = Stopwatch.StartNew();
        await using var pair = await StandbyDatabase.StartAsync(ReplicationMode.Synchronous);
        Assert.Equal(ReplicationMode.Synchronous, pair.Mode);
        var clusterId = "sbstorm-" + pair.Name;
        var onPrimary = HostSettings(clusterId, pair.PrimaryStores);
        await pair.InitializeSchemaAsync(onPrimary);

        HostProcess? first = null, second = null;
        var passed = false;
        try
        {
            first = HostProcess.Start(onPrimary);
            await first.WaitUntilReadyAsync(ReadyTimeout);
            var setup = Stopwatch.StartNew();
            var meters = await ClusterClients.FundedMetersAsync(pair.PrimaryStores["membership"], clusterId, Meters, FundMills);
            setup.Stop();

            // The storm on the primary: each print has a key and a postage of its own, so a print charged twice or
            // lost shows in the registers. It goes on for a while after the kill: those prints can no longer commit.
            var storm = new ConcurrentQueue<PrintAttempt>();
            DateTimeOffset killedAt;
            var sinceKill = new Stopwatch();
            var promotion = new Stopwatch();
            using (var http = new PrintClient(first.BaseAddress))
            using (var stop = new CancellationTokenSource())
            {
                var workers = StartStorm(http, meters, storm, seed: 0, stop.Token);
                await Task.Delay(Storm);
                killedAt = DateTimeOffset.UtcNow;
                sinceKill.Start();
                await pair.KillPrimaryAsync();
                await Task.Delay(StormOnDeadPrimary);
                stop.Cancel();

                promotion.Start();
                await pair.PromoteAsync();
                promotion.Stop();
                // Its connections point at the dead primary: the operator kills it and starts one on the standby.
                first.KillHard();
                await Task.WhenAll(workers);
            }
            Assert.True(first.HasExited, "the host on the primary survived SIGKILL");

            var acknowledged = storm.Where(p => p.Outcome == PrintOutcome.Acknowledged).ToList();
            var unknown = storm.Where(p => p.Outcome != PrintOutcome.Acknowledged).ToList();
            Assert.True(acknowledged.Count >= 50, $"only {acknowledged.Count} prints were acknowledged in {Storm.TotalSeconds} s: the storm did not load the host");
            var failedBeforeKill = unknown.Where(u => u.AnsweredAt < killedAt).ToList();
            Assert.True(failedBeforeKill.Count == 0,
                $"{failedBeforeKill.Count} prints failed before the primary was killed, e.g. {failedBeforeKill.FirstOrDefault()?.Detail}");
            // Every worker was printing when the primary died: if nothing failed, the kill missed the storm.
            Assert.True(unknown.Count >= 1, "no print failed after the primary was killed");
            var refusedAfterKill = unknown.Count(u => u.Outcome == PrintOutcome.Refused);

            // The log on the promoted standby, before anything runs on it: what was committed before the kill.
            var module = pair.StandbyStores["module"];
            var loggedBeforeRetry = (await PrintsInLogAsync(module)).Select(r => Convert.ToHexString(r.Indicium)).ToHashSet();
            var notLogged = acknowledged.Where(a => !loggedBeforeRetry.Contains(Convert.ToHexString(a.Indicium!))).ToList();
            Assert.True(notLogged.Count == 0,
                $"I3 durable before release: {notLogged.Count} of {acknowledged.Count} acknowledged indicia are not in the log on the promoted standby (first: {notLogged.FirstOrDefault()?.IndiciumId})");

            var shippedBeforeFailover = await ShippedSizeAsync(module);

            var onStandby = HostSettings(clusterId, pair.StandbyStores);
            second = HostProcess.Start(onStandby);
            var restart = Stopwatch.StartNew();
            await second.WaitUntilReadyAsync(ReadyTimeout);
            restart.Stop();
            var readyAfterKill = sinceKill.Elapsed;

            using var printer = new PrintClient(second.BaseAddress);
            TimeSpan? firstPrintAfterKill = null;
            void Printed()
            {
                var at = sinceKill.Elapsed;
                lock (printer) firstPrintAfterKill ??= at;
            }

            // Each unknown outcome, retried with its key, prints once (or returns what was committed before the
            // kill); a second retry returns the same indicium.
            var retried = new ConcurrentBag<PrintAttempt>();
            await ForEachAsync(unknown, 8, async u =>
            {
                var again = await printer.PrintAsync(u.MeterId, u.Key, u.PostageMills);
                Assert.True(again.Outcome == PrintOutcome.Acknowledged, $"I4 at most once: retrying {u.Key} on meter {u.MeterId} after the failover: {again.Outcome} {again.Detail}");
                Printed();
                var twice = await printer.PrintAsync(u.MeterId, u.Key, u.PostageMills);
                Assert.True(twice.Outcome == PrintOutcome.Acknowledged && twice.Indicium!.AsSpan().SequenceEqual(again.Indicium) && twice.Sequence == again.Sequence,
                    $"I4 at most once: retrying {u.Key} twice on meter {u.MeterId} gave two answers ({again.IndiciumId}, then {twice.IndiciumId} {twice.Detail})");
                retried.Add(again);
            });
            var committedBeforeKill = retried.Count(r => loggedBeforeRetry.Contains(Convert.ToHexString(r.Indicium!)));
            var refusedButCommitted = unknown.Where(u => u.Outcome == PrintOutcome.Refused)
                .Join(retried, u => u.Key, r => r.Key, (u, r) => (u, r)).Where(x => loggedBeforeRetry.Contains(Convert.ToHexString(x.r.Indicium!))).ToList();
            Assert.True(refusedButCommitted.Count == 0,
                $"I4 at most once: {refusedButCommitted.Count} prints were answered 4xx (not printed) but had committed, e.g. {refusedButCommitted.FirstOrDefault().u?.Detail}");

            // The system carries on: a second storm of new prints on the promoted standby, every one acknowledged.
            var after = new ConcurrentQueue<PrintAttempt>();
            using (var stop = new CancellationTokenSource(SecondStorm))
            {
                await Task.WhenAll(StartStorm(printer, meters, after, seed: Workers, stop.Token, Printed));
            }
            var failedAfter = after.Where(p => p.Outcome != PrintOutcome.Acknowledged).ToList();
            Assert.True(failedAfter.Count == 0, $"{failedAfter.Count} of {after.Count} prints on the promoted standby failed, e.g. {failedAfter.FirstOrDefault()?.Detail}");
            Assert.True(after.Count >= 20, $"only {after.Count} prints in {SecondStorm.TotalSeconds} s on the promoted standby");

            // Every indicium acknowledged before the failover is in the records of the promoted standby.
            var missing = new ConcurrentBag<string>();
            await ForEachAsync(acknowledged, 8, async a =>
            {
                var verdict = await printer.PostJsonAsync("/v1/indicia/verify", new { indicium = Convert.ToBase64String(a.Indicium!) });
                var online = verdict.GetProperty("online");
                if (!verdict.GetProperty("valid").GetBoolean() || online.GetProperty("inRecords").ValueKind != JsonValueKind.True
                    || online.GetProperty("indiciumId").GetString() != a.IndiciumId)
                    missing.Add($"{a.IndiciumId}: {verdict}");
            });
            Assert.True(missing.IsEmpty, $"I3 durable before release: {missing.Count} of {acknowledged.Count} acknowledged indicia are not in the records after the failover, e.g. {missing.FirstOrDefault()}");

            // Per meter: exactly the prints that succeeded, once each, and the registers and module memory agree.
            var printed = acknowledged.Concat(retried).Concat(after).ToList();
            Assert.True(printed.Count == printed.Select(p => p.IndiciumId).Distinct().Count(), "I4 at most once: two keys were answered with the same indicium");
            var logged = (await PrintsInLogAsync(module)).GroupBy(r => r.MeterId).ToDictionary(g => g.Key, g => g.Count());
            var doubleCharges = 0;
            foreach (var meterId in meters)
            {
                var mine = printed.Where(p => p.MeterId == meterId).OrderBy(p => p.Sequence).ToList();
                var reconcile = await printer.PostJsonAsync($"/v1/operator/meters/{meterId}/reconcile", null);
                Assert.True(reconcile.GetProperty("matchesModuleMemory").GetBoolean(), $"meter {meterId}: the postal row and module memory disagree after the failover: {reconcile}");
                var audit = reconcile.GetProperty("audit");
                var postal = audit.GetProperty("postalCheckpoint").GetProperty("sequence").GetInt64();
                var memory = audit.GetProperty("moduleMemory").EnumerateArray().Last().GetProperty("sequence").GetInt64();
                Assert.True(postal == memory, $"meter {meterId}: module memory's latest checkpoint is {memory}, the postal row's {postal}");

                var registers = audit.GetProperty("registers");
                long ar = registers.GetProperty("ascendingMills").GetInt64(), dr = registers.GetProperty("descendingMills").GetInt64();
                long downloaded = audit.GetProperty("totalDownloadedMills").GetInt64(), withdrawn = audit.GetProperty("totalWithdrawnMills").GetInt64();
                Assert.True(ar + dr == downloaded - withdrawn, $"I1 conservation: meter {meterId} has AR {ar} + DR {dr} != downloaded {downloaded} - withdrawn {withdrawn}");
                Assert.Equal(FundMills, downloaded);

                var pieces = registers.GetProperty("pieceCount").GetInt64();
                if (pieces != mine.Count || ar != mine.Sum(p => p.PostageMills)) doubleCharges++;
                Assert.True(pieces == mine.Count, $"I4 at most once: meter {meterId} counts {pieces} pieces for {mine.Count} keys that printed");
                Assert.True(ar == mine.Sum(p => p.PostageMills), $"I4 at most once: meter {meterId} charged {ar} mills for prints of {mine.Sum(p => p.PostageMills)}");
                Assert.True(logged.GetValueOrDefault(meterId) == mine.Count,
                    $"I6 the log rebuilds everything: meter {meterId} has {logged.GetValueOrDefault(meterId)} prints in the log for {mine.Count} printed");

                // I2: no sequence handed out with an indicium was lost or handed out again, and each print's AR is
                // exactly the postage of the prints before it and itself.
                var sequence = registers.GetProperty("sequence").GetInt64();
                var highestAcknowledged = acknowledged.Where(a => a.MeterId == meterId).Select(a => a.Sequence).DefaultIfEmpty(0).Max();
                Assert.True(sequence >= highestAcknowledged, $"I2 monotonic: meter {meterId} is at sequence {sequence} after the failover, but {highestAcknowledged} was acknowledged before it");
                Assert.True(mine.Select(p => p.Sequence).Distinct().Count() == mine.Count,
                    $"I2 monotonic: meter {meterId} gave one sequence to two indicia: {string.Join(", ", mine.GroupBy(p => p.Sequence).Where(g => g.Count() > 1).Select(g => g.Key))}");
                long running = 0;
                foreach (var p in mine)
                {
                    running += p.PostageMills;
                    Assert.True(p.AscendingMills == running,
                        $"I2 monotonic: meter {meterId}'s print at sequence {p.Sequence} ({p.IndiciumId}) left AR {p.AscendingMills}, but the prints up to it add up to {running}");
                }
                Assert.True(mine.Count == 0 || mine[^1].Sequence <= sequence, $"I2 monotonic: meter {meterId} printed sequence {mine[^1].Sequence} but is at {sequence}");
            }

            // The log carries on: everything appended on both sides of the failover is sealed, shipped and verifies.
            var log = await printer.PostJsonAsync("/v1/operator/log/ship", null);
            long size = log.GetProperty("size").GetInt64(), rows = await LogRowCountAsync(module);
            Assert.True(log.GetProperty("unsealed").GetInt64() == 0 && size == rows && log.GetProperty("shipped").GetInt64() == size,
                $"I6 the log rebuilds everything: after the failover the log has {rows} rows, but the sealer reports {log}");
            var container = onStandby["Vbi__Archive__Container"]!;
            var (exit, verified, errors) = await Recovery.RecoveryCluster.AdminAsync("verify-log", "--archive", LocalServices.ArchiveConnectionString, "--container", container);
            Assert.True(exit == AdminExitCodes.Ok && verified.Contains($"ok: {size} entries", StringComparison.Ordinal),
                $"I6 the log rebuilds everything: verify-log over the archive shipped across the failover exited {exit}: {verified}\n{errors}");
            var rolledBack = await LogRowCountAsync(module, kind: 5);
            var rolledForward = second.Output.Concat(second.Errors).Count(l => l.Contains("rolled forward", StringComparison.Ordinal));
            total.Stop();

            output.WriteLine($"pair {pair.Name}: primary 127.0.0.1:{pair.PrimaryPort}, standby 127.0.0.1:{pair.StandbyPort}, {pair.Mode}; {Meters} meters funded in {setup.Elapsed.TotalSeconds:F1} s");
            output.WriteLine($"acknowledged prints before the failover: {acknowledged.Count} ({acknowledged.Count / Storm.TotalSeconds:F0}/s, {Workers} workers); missing after it: 0 " +
                             $"(all in the log on the promoted standby and verified online.inRecords)");
            output.WriteLine($"unknown outcomes retried: {unknown.Count} ({refusedAfterKill} answered 4xx, the rest 5xx or no answer), double charges: {doubleCharges}; " +
                             $"{committedBeforeKill} had committed before the kill (the retry returned the logged indicium), {unknown.Count - committedBeforeKill} had not (printed once by the retry)");
            output.WriteLine($"statuses after the kill: {string.Join(", ", unknown.GroupBy(u => u.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))} x{g.Count()}"))}");
            output.WriteLine($"recovery on the standby: {rolledForward} meters rolled forward from the log, {rolledBack} rollbacks of module memory logged");
            output.WriteLine($"log: {size} entries sealed and shipped ({shippedBeforeFailover} shipped from the primary before the failover); verify-log: {verified.Trim()}");
            output.WriteLine($"second storm on the promoted standby: {after.Count} prints, all acknowledged; I1, I2, I4, I6 and module memory == postal checkpoint hold for all {Meters} meters");
            output.WriteLine($"failover: promote {promotion.ElapsedMilliseconds} ms, new host ready in {restart.Elapsed.TotalSeconds:F1} s ({readyAfterKill.TotalSeconds:F1} s after the kill), " +
                             $"first successful print on the standby {firstPrintAfterKill?.TotalSeconds:F1} s after the kill; test {total.Elapsed.TotalSeconds:F1} s");
            passed = true;
        }
        finally
        {
            if (!passed)
            {
                if (first is not null) output.WriteLine("--- host on the primary ---\n" + first.Transcript());
                if (second is not null) output.WriteLine("--- host on the promoted standby ---\n" + second.Transcript());
            }
            if (second is not null) await second.DisposeAsync();
            if (first is not null) await first.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await new BlobContainerClient(LocalServices.ArchiveConnectionString, onPrimary["Vbi__Archive__Container"]).DeleteIfExistsAsync();
        }
    }

    /// <summary>
    /// The Cluster profile on the given stores, with the archive in a container of its own. The membership table on
    /// the standby still lists the silo that died with the primary as Active; a joining silo evicts it once its
    /// IAmAlive is 2 periods of 5 s old (90 s with Orleans' defaults).
    /// </summary>
    private static Dictionary<string, string?> HostSettings(string clusterId, IReadOnlyDictionary<string, string> stores)
    {
        var env = HostEnvironment.Cluster(clusterId, stores);
        env["Vbi__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        env["Vbi__Cluster__Membership__NumMissedTableIAmAliveLimit"] = "2";
        env["Vbi__Archive__Container"] = clusterId.ToLowerInvariant();
        // Prints here come from one operator at one address, far above the per-client limits a customer has.
        env["Vbi__Api__RateLimit__Enabled"] = "false";
        return env;
    }

    private static List<Task> StartStorm(PrintClient printer, IReadOnlyList<string> meters, ConcurrentQueue<PrintAttempt> into, int seed, CancellationToken stop,
        Action? printed = null) =>
        [.. Enumerable.Range(seed, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var print = await printer.PrintAsync(meters[random.Next(meters.Count)], Key(), random.Next(100, 2_000));
                if (print.Outcome == PrintOutcome.Acknowledged) printed?.Invoke();
                into.Enqueue(print);
            }
        }))];

    /// <summary>The print entries (kind 2) of the transaction log, read straight from a module database.</summary>
    private static async Task<List<(string MeterId, byte[] Indicium)>> PrintsInLogAsync(string moduleConnectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(moduleConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT meter_id, public_payload FROM vbi_log WHERE kind = 2 ORDER BY id", connection);
        await using var reader = await read.ExecuteReaderAsync();
        var rows = new List<(string, byte[])>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), (byte[])reader[1]));
        return rows;
    }

    /// <summary>Rows of the transaction log (of one kind, or all), read straight from a module database.</summary>
    private static async Task<long> LogRowCountAsync(string moduleConnectionString, short? kind = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(moduleConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM vbi_log WHERE $1::smallint IS NULL OR kind = $1", connection);
        count.Parameters.Add(new NpgsqlParameter { Value = (object?)kind ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Smallint });
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>How far the sealer had shipped the log to the archive (its shipped-size state), read from a module database.</summary>
    private static async Task<long> ShippedSizeAsync(string moduleConnectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(moduleConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT value FROM vbi_log_state WHERE name = 'shipped-size'", connection);
        return await read.ExecuteScalarAsync() is byte[] { Length: 8 } value ? System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(value) : 0;
    }

    private static string Key() => ClusterClients.Key();

    private static async Task ForEachAsync<T>(IEnumerable<T> items, int parallelism, Func<T, Task> body) =>
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) => await body(item));
}
