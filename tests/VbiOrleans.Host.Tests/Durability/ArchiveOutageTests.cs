using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using VbiOrleans.Admin;
using VbiOrleans.Grains.Log;
using VbiOrleans.Testing;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Segments;
using Xunit.Abstractions;

using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Durability;

/// <summary>
/// The archive (blob storage) SIGKILLed for two minutes while prints go on. The log lives in PostgreSQL, so printing
/// does not notice; the sealer keeps the backlog, says why (lastShipError) and how much (archiveLag), and ships it all
/// once the archive is back. Afterwards <c>vbi-admin verify-log</c> accepts the archive and it holds every entry the
/// log committed: I6 (the log rebuilds everything) needs every entry in the archive, not just most.
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+private Azurite+SoftHSM2")]
public sealed class ArchiveOutageTests(ITestOutputHelper output)
{
    private const int Meters = 20;
    private const long FundMills = 1_000_000;
    private const int PrintsPerSecond = 25;
    private static readonly TimeSpan BeforeOutage = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(2);

    private sealed record LogSample(DateTimeOffset SentAt, TimeSpan Took, long Size, long Unsealed, long Shipped, string? LastShipError, long ArchiveLag);

    [Fact]
    public async Task Blob_storage_down_for_two_minutes_under_load_loses_no_log_entry()
    {
        var total = Stopwatch.StartNew();
        using var azurite = await PrivateAzurite.StartAsync();
        var container = "vbi-archive-" + Guid.NewGuid().ToString("N")[..8];
        var cluster = await DurabilityCluster.StartAsync("vbi_dur_blob", new Dictionary<string, string?>
        {
            ["ConnectionStrings__archive"] = azurite.ConnectionString,
            ["Vbi__Archive__Container"] = container,
            ["Vbi__Log__ShipInterval"] = "00:00:05",
        });
        var passed = false;
        var samples = new ConcurrentQueue<LogSample>();
        try
        {
            var meters = await cluster.FundedMetersAsync(Meters, FundMills);
            using var http = new PrintClient(cluster.Host.BaseAddress);
            var load = new PacedPrints(http, meters, PrintsPerSecond);
            using var stopSampling = new CancellationTokenSource();
            var sampling = Task.Run(async () =>
            {
                while (!stopSampling.IsCancellationRequested)
                {
                    samples.Enqueue(await SampleAsync(http));
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2), stopSampling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });

            // Before the outage the archive takes the log every ShipInterval.
            load.Start();
            await Task.Delay(BeforeOutage);
            // The kill comes right after a ship the archive acknowledged: Azurite saves its index every 5 s, so it usually
            // forgets that ship, as a storage failover forgets writes not yet replicated. The sealer must ship it again.
            var beforeKill = await SampleAsync(http);
            var shippedBefore = await EventuallyAsync(http, s => s.Shipped > beforeKill.Shipped && s.LastShipError is null, TimeSpan.FromSeconds(30),
                "the log was not shipped to the archive before the outage", poll: TimeSpan.FromMilliseconds(50));

            var killedAt = DateTimeOffset.UtcNow;
            azurite.KillHard();
            await Task.Delay(Outage);
            var outageEndedAt = DateTimeOffset.UtcNow;
            var duringOutage = samples.Where(s => s.SentAt > killedAt && s.SentAt < outageEndedAt).ToList();
            var atOutageEnd = await SampleAsync(http);

            await azurite.StartAgainAsync();
            var restartedAt = DateTimeOffset.UtcNow;
            // Still under load, the backlog of the outage goes out on the next ships.
            await EventuallyAsync(http, s => s.Shipped >= atOutageEnd.Size && s.LastShipError is null, TimeSpan.FromSeconds(90),
                "the backlog was not shipped after the archive came back");
            var backlogShippedIn = DateTimeOffset.UtcNow - restartedAt;
            await load.StopAsync();

            // The load is over: ship the rest and wait for the archive to hold everything.
            await http.PostJsonAsync("/v1/operator/log/ship", null);
            var final = await EventuallyAsync(http, s => s.ArchiveLag == 0 && s.Unsealed == 0 && s.LastShipError is null, TimeSpan.FromSeconds(60),
                "the archive lag did not come down to 0", hurry: true);
            await stopSampling.CancelAsync();
            await sampling;

            // The host kept printing through the outage: every print was acknowledged, in every 10 s of it.
            var attempts = load.Attempts.ToList();
            var notAcknowledged = attempts.Where(a => a.Outcome != PrintOutcome.Acknowledged).ToList();
            Assert.True(notAcknowledged.Count == 0,
                $"{notAcknowledged.Count} of {attempts.Count} prints were not acknowledged, e.g. {notAcknowledged.FirstOrDefault()?.Outcome}: {notAcknowledged.FirstOrDefault()?.Detail}");
            var acknowledged = attempts;
            var printedDuringOutage = acknowledged.Count(a => a.SentAt > killedAt && a.AnsweredAt < outageEndedAt);
            for (var window = killedAt; window + TimeSpan.FromSeconds(10) <= outageEndedAt; window += TimeSpan.FromSeconds(10))
            {
                var from = window;
                Assert.True(acknowledged.Any(a => a.AnsweredAt >= from && a.AnsweredAt < from + TimeSpan.FromSeconds(10)),
                    $"no print was acknowledged from {(from - killedAt).TotalSeconds:F0} s to {(from - killedAt).TotalSeconds + 10:F0} s into the outage");
            }
            Assert.True(printedDuringOutage >= PrintsPerSecond * Outage.TotalSeconds / 4,
                $"only {printedDuringOutage} prints in the {Outage.TotalSeconds} s outage at {PrintsPerSecond}/s offered");

            // The status said what was wrong and how far behind the archive was, and the lag grew through the outage.
            // The status waits for the sealer's current ship attempt, and against a dead endpoint one attempt takes the blob
            // client's retries (6 tries, about 25 s): a sample every 2 s is asked for, about 5 come back.
            Assert.True(duringOutage.Count >= 3, $"only {duringOutage.Count} status samples during the outage");
            var erroring = duringOutage.SkipWhile(s => s.LastShipError is null).ToList();
            Assert.True(erroring.Count > 0, "GET /v1/operator/log never showed lastShipError while the archive was down");
            Assert.True(erroring.All(s => s.LastShipError is not null), "lastShipError was cleared while the archive was still down");
            Assert.NotNull(atOutageEnd.LastShipError);
            for (var i = 1; i < erroring.Count; i++)
            {
                Assert.True(erroring[i].ArchiveLag >= erroring[i - 1].ArchiveLag,
                    $"the archive lag fell from {erroring[i - 1].ArchiveLag} to {erroring[i].ArchiveLag} while the archive was down");
            }
            Assert.True(atOutageEnd.ArchiveLag > erroring[0].ArchiveLag, $"the archive lag did not grow during the outage ({erroring[0].ArchiveLag} to {atOutageEnd.ArchiveLag})");
            foreach (var s in duringOutage.Append(atOutageEnd))
            {
                // A print sent after the kill cannot have reached the archive; once acknowledged it is in the lag.
                var committedSince = acknowledged.Count(a => a.SentAt > killedAt && a.AnsweredAt < s.SentAt);
                Assert.True(s.ArchiveLag >= committedSince, $"archiveLag {s.ArchiveLag} at {(s.SentAt - killedAt).TotalSeconds:F0} s into the outage, " +
                    $"but {committedSince} prints were committed since the archive went down");
            }
            var maxLag = samples.Append(atOutageEnd).Max(s => s.ArchiveLag);

            // The log: every committed transaction is a row, and the sealed tree is exactly those rows.
            var rows = (long)(await LocalServices.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM vbi_log"));
            var sealedRows = await LocalServices.ScalarAsync<long>(cluster.Database, "SELECT count(*) FROM vbi_log JOIN vbi_log_entry ON vbi_log_entry.log_id = vbi_log.id");
            Assert.Equal(rows, final.Size);
            Assert.Equal(rows, sealedRows);
            Assert.Equal(rows, final.Shipped);
            // One print entry per acknowledged print; beside them the setup of the meters (and of the meter pool's).
            var logRows = await cluster.LogRowsAsync();
            Assert.Equal(acknowledged.Count, logRows.Count(r => r.Kind == (short)LogTransactionKind.Print));
            Assert.All(meters, m => Assert.Equal(4, logRows.Count(r => r.MeterId == m && r.Kind != (short)LogTransactionKind.Print)));

            // vbi-admin verifies the archive end to end: signatures, consistency, every entry in the tree.
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await AdminApp.RunAsync(["verify-log", "--archive", azurite.ConnectionString, "--container", container, "--json"], stdout, stderr,
                _ => null);
            Assert.True(exit == 0, $"vbi-admin verify-log exited {exit}: {stdout}{stderr}");
            var verdict = JsonDocument.Parse(stdout.ToString()).RootElement;
            var entriesChecked = verdict.GetProperty("entriesChecked").GetInt64();
            Assert.Equal(rows, entriesChecked);
            Assert.Equal(rows, verdict.GetProperty("verifiedSize").GetInt64());

            // And the archive holds each acknowledged indicium, once, in an entry of its meter.
            var archived = await ArchivedPrintsAsync(azurite.ConnectionString, container);
            var lost = acknowledged.Where(a => !archived.TryGetValue(Convert.ToHexString(a.Indicium!), out var meter) || meter != a.MeterId).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged prints are not in the archive (first: {lost.FirstOrDefault()?.IndiciumId})");
            Assert.Equal(acknowledged.Count, archived.Count);
            total.Stop();
            var forgotten = cluster.Host.Output.FirstOrDefault(l => l.Contains("no longer holds the checkpoint of the last ship", StringComparison.Ordinal));

            output.WriteLine($"entries committed: {rows}, archived after the outage: {entriesChecked}, lost: 0, max archive lag: {maxLag}");
            output.WriteLine($"prints acknowledged: {acknowledged.Count} ({printedDuringOutage} during the {Outage.TotalSeconds:F0} s outage, none refused or unanswered); " +
                $"shipped {shippedBefore.Shipped} before the outage; GET /v1/operator/log took up to {duringOutage.Max(s => s.Took.TotalSeconds):F0} s during it; " +
                $"first lastShipError: \"{erroring[0].LastShipError}\"");
            output.WriteLine($"backlog of {atOutageEnd.ArchiveLag} shipped {backlogShippedIn.TotalSeconds:F1} s after the archive came back (under load); " +
                $"vbi-admin verify-log: {entriesChecked} entries, {verdict.GetProperty("checkpointsChecked").GetInt64()} checkpoints; test {total.Elapsed.TotalSeconds:F0} s");
            output.WriteLine(forgotten is null
                ? $"Azurite kept the ship to {shippedBefore.Shipped} it had acknowledged just before its SIGKILL"
                : $"Azurite forgot the ship to {shippedBefore.Shipped} it had acknowledged just before its SIGKILL; the sealer shipped it again: {forgotten[(forgotten.IndexOf("warn:", StringComparison.Ordinal) + 5)..].Trim()}");
            passed = true;
        }
        finally
        {
            if (!passed)
            {
                output.WriteLine(string.Join('\n', samples.Select(s => s.ToString())));
                output.WriteLine(string.Join('\n', cluster.Host.Output.Where(l => l.Contains("LogSealerGrain", StringComparison.Ordinal)).TakeLast(100)));
                output.WriteLine(cluster.Host.Transcript());
            }
            await cluster.StopAsync(dropDatabase: passed);
        }
    }

    private static async Task<LogSample> SampleAsync(PrintClient http)
    {
        var sentAt = DateTimeOffset.UtcNow;
        var s = await http.GetJsonAsync("/v1/operator/log");
        return new LogSample(sentAt, DateTimeOffset.UtcNow - sentAt, s.GetProperty("size").GetInt64(), s.GetProperty("unsealed").GetInt64(), s.GetProperty("shipped").GetInt64(),
            s.GetProperty("lastShipError").GetString(), s.GetProperty("archiveLag").GetInt64());
    }

    private static async Task<LogSample> EventuallyAsync(PrintClient http, Func<LogSample, bool> condition, TimeSpan timeout, string failure, bool hurry = false,
        TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        LogSample last;
        do
        {
            if (hurry) await http.PostJsonAsync("/v1/operator/log/ship", null);
            last = await SampleAsync(http);
            if (condition(last)) return last;
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(500));
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"{failure} within {timeout}: {last}");
    }

    /// <summary>Every print entry in the archived segments: indicium (hex) to meter id; a print archived twice fails.</summary>
    private static async Task<Dictionary<string, string>> ArchivedPrintsAsync(string connectionString, string containerName)
    {
        var container = new BlobContainerClient(connectionString, containerName);
        var prints = new Dictionary<string, string>();
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = LogSealerGrain.SegmentsPrefix }))
        {
            var content = (await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
            var segment = LogSegment.Parse(content);
            Assert.True(segment.IsSuccess, $"{blob.Name}: {segment.Error}");
            foreach (var entry in segment.Value.DecodeEntries().Where(e => e.Kind == LogTransactionKind.Print))
                Assert.True(prints.TryAdd(Convert.ToHexString(entry.PublicPayload), entry.MeterId), $"entry {entry.Index}: an indicium archived twice");
        }
        return prints;
    }

    /// <summary>Prints offered at a steady rate (a new one every 1/rate s, at most 32 waiting), each with a key of its own.</summary>
    private sealed class PacedPrints(PrintClient http, IReadOnlyList<string> meters, int perSecond)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentBag<Task> _inFlight = [];
        private Task? _loop;

        public ConcurrentBag<PrintAttempt> Attempts { get; } = [];

        public void Start() => _loop = Task.Run(async () =>
        {
            var random = new Random(7);
            using var gate = new SemaphoreSlim(32);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await gate.WaitAsync(_stop.Token);
                    var meterId = meters[random.Next(meters.Count)];
                    var postage = random.Next(100, 2_000);
                    _inFlight.Add(Task.Run(async () =>
                    {
                        try
                        {
                            Attempts.Add(await http.PrintAsync(meterId, DurabilityCluster.Key(), postage));
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }));
                }
            }
            catch (OperationCanceledException)
            {
                // stopped
            }
            await Task.WhenAll(_inFlight);
        });

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop!;
            _stop.Dispose();
        }
    }
}
