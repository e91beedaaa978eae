using System.Runtime.InteropServices;

namespace VbiOrleans.Benchmarks;

/// <summary>
/// One benchmark: hosts up, meters set up (untimed), warmup, the timed prints, unknown outcomes asked again with the
/// same keys, every meter audited, hosts down; then the baselines, and the report on standard output.
/// </summary>
public sealed class BenchmarkRun(BenchmarkOptions options, TextWriter report, TextWriter progress)
{
    private sealed record Measurement(MeterFleet Fleet, PhaseResult Warmup, PhaseResult Timed, PhaseResult Resolved, VerificationReport Verification, string LoadBefore, PostgresActivity? Postgres, CpuAccount Cpu);

    /// <summary>Exit code: 0 when verification is clean, 1 otherwise.</summary>
    public async Task<int> RunAsync(CancellationToken cancellation)
    {
        await CheckEnvironmentAsync(cancellation);

        Measurement measurement;
        await using (var launcher = await HostLauncher.StartAsync(options, progress, cancellation))
        {
            try
            {
                measurement = await MeasureAsync(launcher, cancellation);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                progress.WriteLine(launcher.Transcripts());
                throw;
            }
            progress.WriteLine("[bench] stopping the hosts");
        }

        // The baselines run alone, after the hosts are gone.
        double? pgbenchTps = options.Baseline ? await Baselines.PgBenchTpsAsync(options.Concurrency, progress, cancellation) : null;
        double? signsPerSecond = options.OpenSsl ? await Baselines.OpenSslSignsPerSecondAsync(progress, cancellation) : null;

        Report(measurement, pgbenchTps, signsPerSecond);
        return measurement.Verification.Clean ? 0 : 1;
    }

    /// <summary>Fails before anything starts when the environment the run needs is not loaded or PostgreSQL is down.</summary>
    private async Task CheckEnvironmentAsync(CancellationToken cancellation)
    {
        if (options.Profile == BenchmarkProfile.Cluster) _ = HostLauncher.ClusterEnvironment();
        if (options.Baseline) await Baselines.CheckPostgresAsync(cancellation);
    }

    private async Task<Measurement> MeasureAsync(HostLauncher launcher, CancellationToken cancellation)
    {
        var client = await launcher.ConnectAsync(cancellation);

        progress.WriteLine($"[bench] setup: {options.Meters} meters, {options.FundMills} mills each");
        var fleet = await MeterFleet.PrepareAsync(client, options, cancellation);
        var workload = new PrintWorkload(client, fleet, options);

        progress.WriteLine($"[bench] warmup: {options.WarmupPerMeter} prints per meter");
        var warmup = await workload.RunAsync(PrintPhase.Warmup, firstPrint: 0, options.WarmupPerMeter, cancellation);

        // The timed phase, like pgbench after it, starts with no checkpoint owed: neither pays for the other's WAL.
        if (options.Profile == BenchmarkProfile.Cluster) await Baselines.CheckpointAsync(progress, cancellation);
        var loadBefore = LoadAverage();
        var postgresBefore = options.Profile == BenchmarkProfile.Cluster ? await PostgresActivity.TakeAsync(cancellation) : null;
        progress.WriteLine($"[bench] timed: {options.PrintsPerMeter} prints per meter, {options.TotalPrints} in all, {options.Concurrency} clients");
        var cpuBefore = CpuAccount.Take(launcher.HostPids);
        var timed = await workload.RunAsync(PrintPhase.Timed, firstPrint: options.WarmupPerMeter, options.PrintsPerMeter, cancellation);
        var cpu = CpuAccount.Since(cpuBefore, launcher.HostPids);
        var postgres = postgresBefore is null ? null : await PostgresActivity.SinceAsync(postgresBefore, cancellation);

        var unknown = warmup.Unknown.Concat(timed.Unknown).ToList();
        if (unknown.Count > 0) progress.WriteLine($"[bench] asking again, with the same keys, for {unknown.Count} prints whose every attempt failed");
        var resolved = await workload.ResolveAsync(unknown, cancellation);

        progress.WriteLine("[bench] verification: auditing every meter");
        var verification = await Verification.VerifyAsync(client, fleet, [.. warmup.Acks, .. timed.Acks, .. resolved.Acks], cancellation);
        return new Measurement(fleet, warmup, timed, resolved, verification, loadBefore, postgres, cpu);
    }

    private void Report(Measurement m, double? pgbenchTps, double? signsPerSecond)
    {
        var timed = m.Timed;
        var v = m.Verification;
        var silos = options.Profile == BenchmarkProfile.Cluster ? $" ({options.Silos} silo{(options.Silos == 1 ? "" : "s")})" : "";
        Line($"profile: {options.Profile}{silos}; meters: {options.Meters}; prints: {options.PrintsPerMeter} per meter, {options.TotalPrints} timed " +
             $"(+{options.WarmupPerMeter} warmup per meter); postage: {options.PostageMills} mills; concurrency: {options.Concurrency}");
        Line($"setup (not timed): {options.Meters} meters provisioned, licensed, activated and funded with {options.FundMills} mills each " +
             $"in {m.Fleet.SetupDuration.TotalSeconds:F1} s");
        Line($"duration: {timed.Duration.TotalSeconds:F2} s; acknowledged {timed.Acks.Count}/{options.TotalPrints}; " +
             $"errors: {timed.Refused} refused{Refusals(timed)}, {timed.Unknown.Count} unknown after {IdempotentRetry.MaxRetries} retries; " +
             $"retries: {timed.Retries}; warmup: {m.Warmup.Acks.Count} acknowledged, {m.Warmup.Refused} refused, {m.Warmup.Unknown.Count} unknown");
        if (m.Resolved.Acks.Count + m.Resolved.Unknown.Count + m.Resolved.Refused > 0)
            Line($"asked again after the run: {m.Resolved.Acks.Count} acknowledged, {m.Resolved.Refused} refused, {m.Resolved.Unknown.Count} still unknown");
        Line($"latency (first attempt to acknowledged result): p50 {timed.LatencyPercentile(50):F1} ms, p90 {timed.LatencyPercentile(90):F1} ms, " +
             $"p99 {timed.LatencyPercentile(99):F1} ms, max {timed.LatencyPercentile(100):F1} ms");
        if (m.Postgres is { } pg && timed.Acks.Count > 0)
        {
            var perPrint = (double)timed.Acks.Count;
            Line("PostgreSQL during the timed phase: commits " +
                 string.Join(", ", pg.Commits.Select(c => $"{c.Key} {c.Value} ({c.Value / perPrint:F2} per print)")) +
                 $"; WAL {pg.WalBytes / 1048576.0:F1} MiB ({pg.WalBytes / perPrint / 1024:F1} KiB per print)");
        }
        if (timed.Acks.Count > 0) Line(m.Cpu.Describe(timed.Acks.Count));
        Line($"verification: {v.MetersAudited} meters audited; {v.Inhibited} inhibited; {v.CheckpointMismatches} postal/module checkpoint mismatches");
        foreach (var finding in v.Findings) Line($"  {finding}");
        Line($"machine: {Environment.ProcessorCount} cores; {RuntimeInformation.OSDescription}; .NET {Environment.Version}; " +
             $"client, hosts and PostgreSQL share it; load average before the timed phase {m.LoadBefore}");

        var rate = timed.PerSecond;
        if (pgbenchTps is { } tps && options.Profile == BenchmarkProfile.Cluster)
        {
            var p99 = timed.LatencyPercentile(99);
            Line($"target (Cluster, defined at 64 clients; this run {options.Concurrency}): indicia/s >= 0.5 x pgbench tps: {Met(rate >= 0.5 * tps)} ({rate:F1} vs {0.5 * tps:F1}); " +
                 $"p99 < 100 ms: {Met(p99 < 100)} ({p99:F1} ms)");
        }
        if (signsPerSecond is { } signs && options.Profile == BenchmarkProfile.Local)
            Line($"target (Local): indicia/s >= 1/4 of openssl's ecdsap256 sign/s on one core: {Met(rate >= signs / 4)} ({rate:F1} vs {signs / 4:F1})");

        Line($"indicia_per_s={rate:F1} p50_ms={timed.LatencyPercentile(50):F1} p99_ms={timed.LatencyPercentile(99):F1} " +
             $"conservation_violations={v.ConservationViolations} double_charges={v.DoubleCharges} lost={v.Lost}");
        if (pgbenchTps is { } pgTps)
            Line($"pgbench_tps={pgTps:F1} ratio={(pgTps > 0 ? rate / pgTps : 0):F2}");
        if (signsPerSecond is { } perSecond)
            Line($"openssl_ecdsap256_sign_per_s={perSecond:F1} quarter={perSecond / 4:F1}");
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to show whether something else was running.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Met(bool met) => met ? "met" : "MISSED";

    private static string Refusals(PhaseResult phase) =>
        phase.Refusals.Count == 0 ? "" : " (" + string.Join(", ", phase.Refusals.Select(r => $"{r.Key} {r.Value}")) + ")";

    private void Line(string text) => report.WriteLine(text);
}
