using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Client;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>
/// <c>--api</c>: the signed HTTP print as customers make it. Hosts up (<see cref="ApiHosts"/>), customers signed up,
/// registered and funded (untimed), warm-up, then the timed phase with every customer printing one signed request at
/// a time through the SDK; unanswered prints asked again with their keys; every meter audited through the operator
/// API; hosts down; then the baselines and the report, which ends with the summary line of the other modes. Exit
/// codes as the other modes: 0 verification clean, 1 violations, 2 no measurement.
/// </summary>
public sealed class ApiBenchmark(ApiOptions options, TextWriter report, TextWriter progress)
{
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private sealed record Measurement(string? FirstRefusal, ApiCustomers Customers, ApiPhaseResult Warmup, ApiPhaseResult Timed, ApiPhaseResult Resolved,
        VerificationReport Verification,
        string LoadBefore, string LoadAfter, DatabaseActivity? Database, IReadOnlyDictionary<string, string> Stores, DatabasePairs? Pairs, WireBytes Wire, TableGrowth? Growth, ProcessCpu Cpu, TimeSpan FeedLag, WriteProbe.Result? Probe);

    public async Task<int> RunAsync(CancellationToken cancellation)
    {
        if (options.Profile == BenchmarkProfile.Cluster) _ = HostLauncher.ClusterEnvironment();
        if (options.Baseline) await Baselines.CheckPostgresAsync(cancellation);

        Measurement measurement;
        await using (var hosts = await ApiHosts.StartAsync(options, progress, cancellation))
        {
            try
            {
                measurement = await MeasureAsync(hosts, cancellation);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                progress.WriteLine(hosts.Transcripts());
                throw;
            }
            progress.WriteLine("[bench] stopping the hosts");
        }

        double? pgbenchTps = options.Baseline ? await Baselines.PgBenchTpsAsync(options.Meters, progress, cancellation) : null;
        double? signsPerSecond = options.OpenSsl ? await Baselines.OpenSslSignsPerSecondAsync(progress, cancellation) : null;
        Report(measurement, pgbenchTps, signsPerSecond);
        measurement.Customers.Dispose();
        // No print acknowledged is no measurement (the first refusal above says why).
        if (measurement.Timed.Acks.Count == 0) return 2;
        return measurement.Verification.Clean ? 0 : 1;
    }

    private async Task<Measurement> MeasureAsync(ApiHosts hosts, CancellationToken cancellation)
    {
        var addresses = hosts.Hosts.Select(h => h.BaseAddress).ToList();
        var pids = hosts.Hosts.Select(h => h.Pid).ToList();
        progress.WriteLine($"[bench] setup: {options.Meters} customers signed up, each with a meter licensed, registered and funded");
        var customers = await ApiCustomers.PrepareAsync(options, addresses, cancellation);
        var workload = new ApiWorkload(customers, options);

        progress.WriteLine($"[bench] warmup: {options.Warmup.TotalSeconds:F0} s, label {options.LabelFormat}");
        var warmup = await workload.RunAsync(PrintPhase.Warmup, options.Warmup, cancellation);

        // The timed phase, like pgbench after it, starts with no checkpoint owed, and with every backend's counters published.
        if (options.Profile == BenchmarkProfile.Cluster) await Baselines.CheckpointAsync(progress, cancellation);
        if (hosts.Pairs is { } pairs) await CheckpointAsync(pairs.Servers.Where(s => s.Index > 0), cancellation);
        await Task.Delay(DatabaseActivity.PublishDelay, cancellation);
        var loadBefore = LoadAverage();
        var databaseBefore = options.Profile == BenchmarkProfile.Cluster ? await DatabaseActivity.TakeAsync(hosts.Servers, cancellation) : null;
        var postgresPorts = options.Profile == BenchmarkProfile.Cluster ? hosts.Servers.ToDictionary(s => s.Port, s => s.Label) : [];
        var httpPorts = hosts.Hosts.Select(h => h.HttpPort).ToHashSet();
        var wireBefore = await WireBytes.TakeAsync(pids, postgresPorts, httpPorts, cancellation);
        var runDatabases = hosts.RunDatabases;
        var growthBefore = runDatabases.Count > 0 ? await TableGrowth.TakeAsync(runDatabases, cancellation) : null;
        progress.WriteLine($"[bench] timed: {options.Timed.TotalSeconds:F0} s, {options.Meters} customers");
        var cpuBefore = ProcessCpu.Take(pids);
        var timed = await workload.RunAsync(PrintPhase.Timed, options.Timed, cancellation);
        var cpu = ProcessCpu.Since(cpuBefore, pids);
        var wire = WireBytes.Since(wireBefore, await WireBytes.TakeAsync(pids, postgresPorts, httpPorts, cancellation));
        var loadAfter = LoadAverage();
        DatabaseActivity? database = null;
        if (databaseBefore is not null)
        {
            await Task.Delay(DatabaseActivity.PublishDelay, cancellation);
            database = await DatabaseActivity.SinceAsync(databaseBefore, cancellation);
        }
        var growth = growthBefore is null ? null : TableGrowth.Since(growthBefore, await TableGrowth.TakeAsync(runDatabases, cancellation));

        var resolved = await workload.ResolveAsync(cancellation);

        // The history and the webhooks follow from the log at their own pace: how far behind the prints they ended.
        var feedLag = await LogFeedStatus.WaitUntilCaughtUpAsync(addresses[0], hosts.OperatorKey, TimeSpan.FromMinutes(3), cancellation);
        WriteProbe.Result? probe = null;
        if (options.Probe > TimeSpan.Zero)
        {
            progress.WriteLine($"[bench] write probe: an idle window, then one customer printing alone for {options.Probe.TotalSeconds:F0} s");
            probe = await WriteProbe.RunAsync(customers.All[0], addresses[0], hosts.OperatorKey, hosts.Databases, options, options.Probe, cancellation);
        }

        progress.WriteLine("[bench] verification: auditing every meter through the operator API");
        var audits = await AuditAsync(addresses[0], hosts.OperatorKey, customers, cancellation);
        // The probe's prints are acknowledged too: customer 0's count of prints and postage includes them.
        var verification = Verification.Check(audits, [.. warmup.Acks, .. timed.Acks, .. resolved.Acks, .. probe?.Acks ?? []]);
        var stores = hosts.Databases.ToDictionary(d => d.Value, d => d.Key);
        return new Measurement(workload.FirstRefusal, customers, warmup, timed, resolved, verification, loadBefore, loadAfter, database, stores, hosts.Pairs, wire,
            growth, cpu, feedLag, probe);
    }

    /// <summary><c>CHECKPOINT</c> on the extra servers too: the timed phase pays for none of the setup's WAL.</summary>
    private async Task CheckpointAsync(IEnumerable<BenchServer> servers, CancellationToken cancellation)
    {
        foreach (var server in servers)
        {
            progress.WriteLine($"[bench] CHECKPOINT on {server.Label}");
            await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString("postgres"));
            await connection.OpenAsync(cancellation);
            await using var command = new Npgsql.NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 300 };
            await command.ExecuteNonQueryAsync(cancellation);
        }
    }

    private static async Task<IReadOnlyList<MeterAudit>> AuditAsync(Uri host, string operatorKey, ApiCustomers customers, CancellationToken cancellation)
    {
        using var operatorClient = new VbiClient(new VbiClientOptions { BaseAddress = host, OperatorName = ApiHosts.OperatorName, OperatorKey = operatorKey });
        var audits = new MeterAudit[customers.All.Count];
        await Parallel.ForEachAsync(customers.All, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (customer, ct) =>
        {
            var json = await operatorClient.GetMeterAuditAsync(customer.MeterId, ct);
            audits[customer.Index] = json.Deserialize<MeterAudit>(AuditJson)
                ?? throw new BenchmarkFailure($"the audit of meter {customer.MeterId} is empty");
        });
        return audits;
    }

    private void Report(Measurement m, double? pgbenchTps, double? signsPerSecond)
    {
        var timed = m.Timed;
        var v = m.Verification;
        var hosts = options.Profile == BenchmarkProfile.Cluster
            ? $" ({options.Hosts} host{(options.Hosts == 1 ? "" : "s")}; {options.DbPairs} postal/module database pair{(options.DbPairs == 1 ? "" : "s")}" +
              (m.Pairs is null ? "" : $", a shard map of {DatabasePairs.Buckets} buckets over {m.Pairs.Servers.Count} PostgreSQL servers") + ")"
            : "";
        Line($"mode: api (signed requests over HTTP through the SDK, one at a time per customer); profile: {options.Profile}{hosts}; " +
             $"customers/meters: {options.Meters}; label: {options.LabelFormat}; postage: {options.PostageMills} mills; " +
             $"warmup {options.Warmup.TotalSeconds:F0} s; timed {options.Timed.TotalSeconds:F0} s");
        Line($"setup (not timed): {options.Meters} customers signed up, meters licensed, registered and funded with {m.Customers.FundMills} mills each " +
             $"in {m.Customers.SetupDuration.TotalSeconds:F1} s");
        Line($"duration: {timed.Duration.TotalSeconds:F2} s; acknowledged {timed.Acks.Count}; refused {timed.Refused}{Refusals(timed)}; " +
             $"unknown after {IdempotentRetry.MaxRetries} retries with the same key: {timed.Unknown}; retries: {timed.Retries}; " +
             $"warmup: {m.Warmup.Acks.Count} acknowledged, {m.Warmup.Refused} refused{Refusals(m.Warmup)}, {m.Warmup.Unknown} unknown");
        if (m.Resolved.Acks.Count + m.Resolved.Unknown > 0)
            Line($"asked again after the run: {m.Resolved.Acks.Count} acknowledged, {m.Resolved.Unknown} still unknown");
        if (m.FirstRefusal is not null) Line($"first refusal: {m.FirstRefusal}");
        Line($"prints/s: {timed.PerSecond:F1}; latency (first attempt to verified answer): p50 {timed.LatencyPercentile(50):F1} ms, " +
             $"p90 {timed.LatencyPercentile(90):F1} ms, p99 {timed.LatencyPercentile(99):F1} ms, max {timed.LatencyPercentile(100):F1} ms");
        if (m.Database is { } db && timed.Acks.Count > 0)
        {
            var prints = (double)timed.Acks.Count;
            foreach (var server in db.Servers)
            {
                // Server 0's store databases by store name; a database of the shard map by its name in the map.
                string? Label(string database) =>
                    m.Pairs?.LabelOf(server.Of, database) is { } mapped ? mapped
                    : server.Of.Index == 0 && m.Stores.TryGetValue(database, out var store) ? store
                    : null;
                var ours = server.Commits.Where(c => Label(c.Key) is not null).OrderBy(c => Label(c.Key), StringComparer.Ordinal).ToList();
                var others = server.Commits.Where(c => Label(c.Key) is null).ToList();
                var where = db.Servers.Count == 1 ? "" : $" server {server.Of.Index} ({server.Of.Label}, {server.Of.Address})";
                Line($"PostgreSQL{where} during the timed phase: commits per print: " +
                     string.Join(", ", ours.Select(c => $"{Label(c.Key)} {c.Value / prints:F2}")) +
                     $" (total {ours.Sum(c => c.Value) / prints:F2}; read-only transactions count too); WAL {server.WalBytes / 1048576.0:F1} MiB, " +
                     $"{server.WalBytes / prints / 1024:F1} KiB, {server.WalRecords / prints:F1} records and {server.WalSyncs / prints:F2} WAL flushes per print; " +
                     (others.Count == 0 ? "no other database committed" : $"{others.Sum(c => c.Value)} commits in {others.Count} other databases (their WAL is in the figure)"));
            }
            if (db.Servers.Count > 1)
                Line($"PostgreSQL, all {db.Servers.Count} servers: WAL {db.WalBytes / prints / 1024:F1} KiB and {db.Servers.Sum(s => s.WalSyncs) / prints:F2} WAL flushes per print");
        }
        if (timed.Acks.Count > 0) Line(m.Wire.Describe(timed.Acks.Count));
        if (m.Growth is { } growth && timed.Acks.Count > 0) Line(growth.Describe(timed.Acks.Count));
        if (timed.Acks.Count > 0) Line(m.Cpu.Describe(timed.Acks.Count));
        Line($"log feed: its consumers (history, webhooks) had applied every record {m.FeedLag.TotalSeconds:F1} s after the timed phase ended");
        if (m.Probe is { } probe) foreach (var line in WriteProbe.Describe(probe)) Line(line);
        Line($"verification: {v.MetersAudited} meters audited; {v.Inhibited} inhibited; {v.CheckpointMismatches} postal/module checkpoint mismatches");
        foreach (var finding in v.Findings) Line($"  {finding}");
        Line($"machine: {Environment.ProcessorCount} cores; {RuntimeInformation.OSDescription}; .NET {Environment.Version}; " +
             $"client, hosts and PostgreSQL share it; load average before the timed phase {m.LoadBefore}, after it {m.LoadAfter}");

        var rate = timed.PerSecond;
        if (pgbenchTps is { } tps && options.Profile == BenchmarkProfile.Cluster)
        {
            var p99 = timed.LatencyPercentile(99);
            var (share, p99Bound) = options.Label switch
            {
                ApiLabel.Pdf => (0.5, (double?)100),
                ApiLabel.Zpl => (0.7, null),
                _ => (0.0, null),
            };
            if (share > 0)
                Line($"target (Cluster, {options.LabelFormat} label, defined at 64 clients; this run {options.Meters}): prints/s >= {share} x pgbench tps: " +
                     $"{Met(rate >= share * tps)} ({rate:F1} vs {share * tps:F1})" + (p99Bound is { } bound ? $"; p99 < {bound} ms: {Met(p99 < bound)} ({p99:F1} ms)" : ""));
        }
        if (signsPerSecond is { } signs && options.Profile == BenchmarkProfile.Local && options.Label == ApiLabel.Pdf)
            Line($"target (Local, pdf label): prints/s >= 1/10 of openssl's ecdsap256 sign/s on one core: {Met(rate >= signs / 10)} ({rate:F1} vs {signs / 10:F1})");

        Line($"indicia_per_s={rate:F1} p50_ms={timed.LatencyPercentile(50):F1} p99_ms={timed.LatencyPercentile(99):F1} " +
             $"conservation_violations={v.ConservationViolations} double_charges={v.DoubleCharges} lost={v.Lost}");
        if (pgbenchTps is { } pgTps)
            Line($"pgbench_tps={pgTps:F1} ratio={(pgTps > 0 ? rate / pgTps : 0):F3}");
        if (signsPerSecond is { } perSecond)
            Line($"openssl_ecdsap256_sign_per_s={perSecond:F1} tenth={perSecond / 10:F1}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Met(bool met) => met ? "met" : "MISSED";

    private static string Refusals(ApiPhaseResult phase) =>
        phase.Refusals.Count == 0 ? "" : " (" + string.Join(", ", phase.Refusals.Select(r => $"{r.Key} {r.Value}")) + ")";

    private void Line(string text) => report.WriteLine(text);
}
