using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Durability;

/// <summary>
/// A host SIGKILLed in the middle of a print storm, and a new host on the same databases. What the invariants promise:
/// I3 (an acknowledged indicium was durable before it left: it is in the records after the crash), I4 (a request
/// retried with its idempotency key takes effect once, whatever happened to the first attempt) and I1 (conservation).
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class HostCrashTests(ITestOutputHelper output)
{
    private const int Meters = 20;
    private const int Workers = 16;
    private const long FundMills = 1_000_000;
    private static readonly TimeSpan Storm = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_SIGKILL_of_the_host_during_a_print_storm_loses_no_acknowledged_print()
    {
        var total = Stopwatch.StartNew();
        var cluster = await DurabilityCluster.StartAsync("vbi_dur_kill");
        var passed = false;
        try
        {
            var setup = Stopwatch.StartNew();
            var meters = await cluster.FundedMetersAsync(Meters, FundMills);
            setup.Stop();

            // The storm: every worker prints as fast as the host answers, each print with a key of its own and a
            // postage of its own, so a print charged twice or charged for another shows in the registers.
            var attempts = new ConcurrentBag<PrintAttempt>();
            var killed = 0;
            // When each attempt started, on one clock with the kill, to tell the requests in flight at the kill from
            // those started after it (refused at the connection) before the workers saw the flag.
            var clock = Stopwatch.StartNew();
            var startedAt = new ConcurrentDictionary<PrintAttempt, TimeSpan>(ReferenceEqualityComparer.Instance);
            var killAt = TimeSpan.MaxValue;
            using (var client = new PrintClient(cluster.Host.BaseAddress))
            {
                var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
                {
                    var random = new Random(w);
                    while (Volatile.Read(ref killed) == 0)
                    {
                        var meterId = meters[random.Next(meters.Count)];
                        var started = clock.Elapsed;
                        var attempt = await client.PrintAsync(meterId, DurabilityCluster.Key(), random.Next(100, 2_000));
                        startedAt[attempt] = started;
                        attempts.Add(attempt);
                    }
                })).ToList();
                await Task.Delay(Storm);
                // Killed first, then the workers told: had they been told first, a slow test thread could let every
                // request in flight finish before the kill.
                killAt = clock.Elapsed;
                cluster.Host.KillHard();
                Volatile.Write(ref killed, 1);
                await Task.WhenAll(workers);
            }
            Assert.True(cluster.Host.HasExited, "the host survived SIGKILL");

            var acknowledged = attempts.Where(a => a.Outcome == PrintOutcome.Acknowledged).ToList();
            var unknown = attempts.Where(a => a.Outcome == PrintOutcome.Unknown).ToList();
            var refused = attempts.Where(a => a.Outcome == PrintOutcome.Refused).ToList();
            Assert.True(refused.Count == 0, $"{refused.Count} prints were refused during the storm, e.g. {refused.FirstOrDefault()?.Detail}");
            Assert.True(acknowledged.Count >= 50, $"only {acknowledged.Count} prints were acknowledged in {Storm.TotalSeconds} s: the storm did not load the host");
            // With every worker waiting on a print when the host died, some outcomes must be unknown, or the kill missed the storm.
            Assert.True(unknown.Count(u => startedAt[u] < killAt) >= 1, "no request was in flight when the host was killed");

            var restart = Stopwatch.StartNew();
            await cluster.StartHostAsync();
            restart.Stop();

            // The log in the module store, before anything runs on the new host: what was committed before the kill.
            var loggedBeforeRetry = (await cluster.LogRowsAsync()).Where(r => r.Kind == 2).Select(r => Convert.ToHexString(r.PublicPayload)).ToHashSet();
            var notLogged = acknowledged.Where(a => !loggedBeforeRetry.Contains(Convert.ToHexString(a.Indicium!))).ToList();
            Assert.True(notLogged.Count == 0,
                $"I3 durable before release: {notLogged.Count} acknowledged indicia are not in the transaction log (first: {notLogged.FirstOrDefault()?.IndiciumId})");

            using var http = new PrintClient(cluster.Host.BaseAddress);

            // Every acknowledged indicium is in the records of the new host.
            var missing = new ConcurrentBag<string>();
            await ForEachAsync(acknowledged, 8, async a =>
            {
                var verdict = await http.VerifyAsync(a.Indicium!);
                var online = verdict.GetProperty("online");
                if (!verdict.GetProperty("valid").GetBoolean() || online.GetProperty("inRecords").ValueKind != JsonValueKind.True
                    || online.GetProperty("indiciumId").GetString() != a.IndiciumId)
                    missing.Add($"{a.IndiciumId}: {verdict}");
            });
            Assert.True(missing.IsEmpty, $"I3 durable before release: {missing.Count} acknowledged indicia are not in the records after the restart, e.g. {missing.FirstOrDefault()}");

            // Before any retry, each meter has printed at least what it acknowledged.
            var ackedPerMeter = acknowledged.GroupBy(a => a.MeterId).ToDictionary(g => g.Key, g => g.Count());
            foreach (var meterId in meters)
            {
                var pieces = (await http.GetJsonAsync($"/v1/operator/meters/{meterId}/audit")).GetProperty("registers").GetProperty("pieceCount").GetInt64();
                Assert.True(pieces >= ackedPerMeter.GetValueOrDefault(meterId),
                    $"I3 durable before release: meter {meterId} counts {pieces} pieces after the restart but acknowledged {ackedPerMeter.GetValueOrDefault(meterId)}");
            }

            // Each unknown outcome, retried with its key, gets a result; a second retry gets the same one.
            var retried = new ConcurrentBag<PrintAttempt>();
            await ForEachAsync(unknown, 4, async u =>
            {
                var first = await http.PrintAsync(u.MeterId, u.Key, u.PostageMills);
                Assert.True(first.Outcome == PrintOutcome.Acknowledged, $"retrying {u.Key} on meter {u.MeterId}: {first.Outcome} {first.Detail}");
                var again = await http.PrintAsync(u.MeterId, u.Key, u.PostageMills);
                Assert.True(again.Outcome == PrintOutcome.Acknowledged && again.Indicium!.AsSpan().SequenceEqual(first.Indicium),
                    $"I4 at most once: retrying {u.Key} twice gave two different answers");
                retried.Add(first);
            });
            var committedBeforeKill = retried.Count(r => loggedBeforeRetry.Contains(Convert.ToHexString(r.Indicium!)));
            foreach (var r in retried)
            {
                var verdict = await http.VerifyAsync(r.Indicium!);
                Assert.True(verdict.GetProperty("online").GetProperty("inRecords").ValueKind == JsonValueKind.True, $"retried print {r.IndiciumId} is not in the records");
            }

            // Exactly once: every key that got an indicium is one piece and its postage, no more; the log agrees; I1 holds.
            var printed = acknowledged.Concat(retried).ToList();
            Assert.Equal(printed.Count, printed.Select(p => p.IndiciumId).Distinct().Count());
            var logged = (await cluster.LogRowsAsync()).Where(r => r.Kind == 2).GroupBy(r => r.MeterId).ToDictionary(g => g.Key, g => g.Count());
            foreach (var meterId in meters)
            {
                var mine = printed.Where(p => p.MeterId == meterId).ToList();
                var reconcile = await http.PostJsonAsync($"/v1/operator/meters/{meterId}/reconcile", null);
                Assert.True(reconcile.GetProperty("matchesModuleMemory").GetBoolean(), $"meter {meterId}: the postal row and module memory disagree: {reconcile}");
                var audit = await http.GetJsonAsync($"/v1/operator/meters/{meterId}/audit");
                var registers = audit.GetProperty("registers");
                long ar = registers.GetProperty("ascendingMills").GetInt64(), dr = registers.GetProperty("descendingMills").GetInt64();
                long downloaded = audit.GetProperty("totalDownloadedMills").GetInt64(), withdrawn = audit.GetProperty("totalWithdrawnMills").GetInt64();
                Assert.True(ar + dr == downloaded - withdrawn, $"I1 conservation: meter {meterId} has AR {ar} + DR {dr} != downloaded {downloaded} - withdrawn {withdrawn}");
                Assert.Equal(FundMills, downloaded);
                Assert.True(registers.GetProperty("pieceCount").GetInt64() == mine.Count,
                    $"I4 at most once: meter {meterId} counts {registers.GetProperty("pieceCount").GetInt64()} pieces for {mine.Count} keys that printed");
                Assert.True(ar == mine.Sum(p => p.PostageMills), $"I4 at most once: meter {meterId} charged {ar} mills for prints of {mine.Sum(p => p.PostageMills)}");
                Assert.True(logged.GetValueOrDefault(meterId) == mine.Count,
                    $"I6 the log rebuilds everything: meter {meterId} has {logged.GetValueOrDefault(meterId)} prints in the log for {mine.Count} printed");
            }
            total.Stop();

            output.WriteLine($"acknowledged prints: {acknowledged.Count}, missing after restart: 0, unknown outcomes retried: {unknown.Count}");
            output.WriteLine($"of the unknown outcomes, {committedBeforeKill} had been committed before the kill (the retry returned the logged indicium) " +
                $"and {unknown.Count - committedBeforeKill} had not (the retry printed them once)");
            output.WriteLine($"{Meters} meters, {Workers} workers, storm {Storm.TotalSeconds:F0} s ({acknowledged.Count / Storm.TotalSeconds:F0} prints/s acknowledged); " +
                $"setup {setup.Elapsed.TotalSeconds:F1} s, restart to ready {restart.Elapsed.TotalSeconds:F1} s, test {total.Elapsed.TotalSeconds:F1} s");
            passed = true;
        }
        finally
        {
            if (!passed) output.WriteLine(cluster.Host.Transcript());
            await cluster.StopAsync(dropDatabase: passed);
        }
    }

    private static async Task ForEachAsync<T>(IEnumerable<T> items, int parallelism, Func<T, Task> body) =>
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) => await body(item));
}
