using System.Diagnostics;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Benchmarks;

/// <summary>
/// The meters under test, made operational the way a customer's would be (untimed): Provision, License "10001",
/// Activate, then postage value downloads of at most 1,000,000 mills each until the DR holds the fund.
/// </summary>
public sealed class MeterFleet
{
    public IReadOnlyList<string> MeterIds { get; }
    public string RunId { get; }
    public TimeSpan SetupDuration { get; private set; }

    private MeterFleet(IReadOnlyList<string> meterIds, string runId)
    {
        MeterIds = meterIds;
        RunId = runId;
    }

    public static async Task<MeterFleet> PrepareAsync(IGrainFactory grains, BenchmarkOptions options, CancellationToken cancellation)
    {
        var fleet = new MeterFleet([.. Enumerable.Range(0, options.Meters).Select(_ => MeterId.New().Value)], Guid.NewGuid().ToString("N")[..8]);
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Meters),
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellation },
            async (index, ct) => await fleet.MakeOperationalAsync(grains, index, options.FundMills, ct));
        fleet.SetupDuration = stopwatch.Elapsed;
        return fleet;
    }

    private async Task MakeOperationalAsync(IGrainFactory grains, int index, long fundMills, CancellationToken cancellation)
    {
        var meter = grains.GetGrain<IMeterGrain>(MeterIds[index]);
        await Require(index, "provision", () => meter.Provision(), cancellation);
        await Require(index, "license", () => meter.Execute(Key(index, "license"), new LicenseCommand("10001")), cancellation);
        await Require(index, "activate", () => meter.Execute(Key(index, "activate"), new ActivateCommand(new byte[32], new byte[48])), cancellation);
        var download = 0;
        for (var remaining = fundMills; remaining > 0; remaining -= BenchmarkOptions.MaxPostageValueDownloadMills, download++)
        {
            var amount = Math.Min(remaining, BenchmarkOptions.MaxPostageValueDownloadMills);
            var key = Key(index, $"pvd{download}");
            await Require(index, $"postage value download {download + 1}",
                () => meter.Execute(key, new PostageValueDownloadCommand(amount, "pay-" + key)), cancellation);
        }
    }

    /// <summary>The idempotency key of one request of this run: unique per run, meter and request.</summary>
    public string Key(int meterIndex, string request) => $"bench-{RunId}-{meterIndex}-{request}";

    private async Task Require(int index, string step, Func<Task<MeterResult>> request, CancellationToken cancellation)
    {
        var outcome = await IdempotentRetry.RunAsync(request, cancellation);
        if (outcome.Unknown)
            throw new BenchmarkFailure($"setup of meter {MeterIds[index]}: {step} failed {IdempotentRetry.MaxRetries + 1} times: {outcome.LastError!.Message}", outcome.LastError);
        if (!outcome.Value!.IsSuccess)
            throw new BenchmarkFailure($"setup of meter {MeterIds[index]}: {step} refused: {outcome.Value.Error}: {outcome.Value.Message}");
    }
}
