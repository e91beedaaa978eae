using System.Collections.Concurrent;
using System.Diagnostics;
using VbiOrleans.Abstractions.Meters;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;

namespace VbiOrleans.Benchmarks;

public enum PrintPhase
{
    Warmup,
    Timed,
    /// <summary>Asked again with the same key after the run, because every attempt during the run threw.</summary>
    Resolved,
}

/// <summary>An acknowledged print: the indicium the client holds, and how long it took from the first attempt.</summary>
public sealed record PrintAck(int MeterIndex, int PrintNumber, string IndiciumId, long Sequence, long PostageMills, double LatencyMs, int Retries, PrintPhase Phase);

/// <summary>What one phase did: acknowledged prints, refusals by error code, prints whose outcome is unknown.</summary>
public sealed record PhaseResult(
    PrintPhase Phase,
    TimeSpan Duration,
    IReadOnlyList<PrintAck> Acks,
    IReadOnlyDictionary<ErrorCode, int> Refusals,
    IReadOnlyList<(int MeterIndex, int PrintNumber)> Unknown,
    int Retries)
{
    public int Refused => Refusals.Values.Sum();
    public double PerSecond => Duration > TimeSpan.Zero ? Acks.Count / Duration.TotalSeconds : 0;

    /// <summary>Nearest-rank percentile of the acknowledged prints' latencies, in ms.</summary>
    public double LatencyPercentile(double percentile)
    {
        if (Acks.Count == 0) return 0;
        var sorted = Acks.Select(a => a.LatencyMs).Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// The prints: C concurrent clients take (meter, print number) work items from one shared queue, ordered print by
/// print across all meters, and issue each as its own request with its own idempotency key.
/// </summary>
public sealed class PrintWorkload(IGrainFactory grains, MeterFleet fleet, BenchmarkOptions options)
{
    /// <summary>Prints <paramref name="firstPrint"/>.. <paramref name="firstPrint"/>+<paramref name="printsPerMeter"/>-1 on every meter.</summary>
    public Task<PhaseResult> RunAsync(PrintPhase phase, int firstPrint, int printsPerMeter, CancellationToken cancellation)
    {
        var work = new List<(int, int)>(fleet.MeterIds.Count * printsPerMeter);
        for (var print = firstPrint; print < firstPrint + printsPerMeter; print++)
        {
            for (var meter = 0; meter < fleet.MeterIds.Count; meter++) work.Add((meter, print));
        }
        return RunQueueAsync(phase, work, cancellation);
    }

    /// <summary>Asks again, with the same keys, for prints whose every attempt threw: the answer is the original result if there was one.</summary>
    public Task<PhaseResult> ResolveAsync(IEnumerable<(int MeterIndex, int PrintNumber)> unknown, CancellationToken cancellation) =>
        RunQueueAsync(PrintPhase.Resolved, unknown, cancellation);

    private async Task<PhaseResult> RunQueueAsync(PrintPhase phase, IEnumerable<(int MeterIndex, int PrintNumber)> work, CancellationToken cancellation)
    {
        var queue = new ConcurrentQueue<(int MeterIndex, int PrintNumber)>(work);
        var acks = new ConcurrentQueue<PrintAck>();
        var refusals = new ConcurrentDictionary<ErrorCode, int>();
        var unknown = new ConcurrentQueue<(int, int)>();
        var retries = 0;
        var command = new PrintCommand(new PrintRequest(options.PostageMills, "94105", "FCM"));

        async Task Client()
        {
            while (!cancellation.IsCancellationRequested && queue.TryDequeue(out var item))
            {
                var meter = grains.GetGrain<IMeterGrain>(fleet.MeterIds[item.MeterIndex]);
                var key = fleet.Key(item.MeterIndex, $"print{item.PrintNumber}");
                var started = Stopwatch.GetTimestamp();
                var outcome = await IdempotentRetry.RunAsync(() => meter.Execute(key, command), cancellation);
                var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Add(ref retries, outcome.Retries);
                if (outcome.Unknown) unknown.Enqueue(item);
                else if (outcome.Value is { IsSuccess: true, Indicium: { } indicium })
                    acks.Enqueue(new PrintAck(item.MeterIndex, item.PrintNumber, indicium.IndiciumId, indicium.Sequence, indicium.PostageMills, latency, outcome.Retries, phase));
                else refusals.AddOrUpdate(outcome.Value!.Error, 1, (_, n) => n + 1);
            }
        }

        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(Client, CancellationToken.None)));
        var duration = stopwatch.Elapsed;
        cancellation.ThrowIfCancellationRequested();
        return new PhaseResult(phase, duration, [.. acks], refusals.ToDictionary(), [.. unknown], retries);
    }
}
