using System.Globalization;
using System.Runtime.InteropServices;
using VbiOrleans.Benchmarks;
using VbiOrleans.Benchmarks.Api;

// The print-path benchmark. Usage: BenchmarkOptions.Usage. Report on standard output, progress on standard error.
// Exit codes: 0 verification clean, 1 verification found violations, 2 the benchmark could not run, 130 interrupted.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// Address matching and label rendering are measured in process, on one core: no hosts (AddressBenchmark.Usage, LabelBenchmark.Usage).
if (args.Length > 0 && args[0] == "--addresses") return AddressBenchmark.Run(args[1..], Console.Out, Console.Error);
if (args.Length > 0 && args[0] == "--labels") return LabelBenchmark.Run(args[1..], Console.Out, Console.Error);

// The signed HTTP print through the SDK (ApiOptions.Usage); otherwise the meter grain through an Orleans client.
var api = args.Length > 0 && args[0] == "--api";
BenchmarkOptions? options = null;
ApiOptions? apiOptions = null;
try
{
    if (api) apiOptions = ApiOptions.Parse(args[1..]);
    else options = BenchmarkOptions.Parse(args);
}
catch (UsageException e)
{
    var usage = api ? ApiOptions.Usage : BenchmarkOptions.Usage;
    if (e.Problem is null)
    {
        Console.WriteLine(usage);
        return 0;
    }
    Console.Error.WriteLine($"error: {e.Problem}\n{usage}");
    return 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.Error.WriteLine("[bench] interrupted: stopping the hosts");
    interrupted.Cancel();
};
using var terminated = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    Console.Error.WriteLine("[bench] terminated: stopping the hosts");
    interrupted.Cancel();
});

try
{
    return apiOptions is not null
        ? await new ApiBenchmark(apiOptions, Console.Out, Console.Error).RunAsync(interrupted.Token)
        : await new BenchmarkRun(options!, Console.Out, Console.Error).RunAsync(interrupted.Token);
}
catch (BenchmarkFailure e)
{
    Console.Error.WriteLine($"benchmark failed: {e.Message}");
    return 2;
}
catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
{
    Console.Error.WriteLine("[bench] interrupted; the hosts are stopped");
    return 130;
}
catch (Exception e)
{
    Console.Error.WriteLine($"benchmark failed (the hosts are stopped): {e}");
    return 2;
}
