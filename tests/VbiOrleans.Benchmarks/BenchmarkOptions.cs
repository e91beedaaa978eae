using System.Globalization;

namespace VbiOrleans.Benchmarks;

public enum BenchmarkProfile
{
    Local,
    Cluster,
}

/// <summary>The command line of the benchmark. <see cref="Parse"/> refuses anything it does not understand.</summary>
public sealed record BenchmarkOptions(
    BenchmarkProfile Profile,
    int Meters,
    int PrintsPerMeter,
    int Concurrency,
    long PostageMills,
    int WarmupPerMeter,
    int Silos,
    bool Baseline,
    bool OpenSsl)
{
    /// <summary>A meter's descending register may hold at most this (MeterLimits.Default).</summary>
    public const long DescendingRegisterCeilingMills = 5_000_000;

    /// <summary>One postage value download is at most this (MeterLimits.Default).</summary>
    public const long MaxPostageValueDownloadMills = 1_000_000;

    /// <summary>Postage per piece is at most this (MeterLimits.Default).</summary>
    public const long MaxPostagePerPieceMills = 100_000;

    public const string Usage = """
        usage: dotnet run -c Release --project tests/VbiOrleans.Benchmarks -- --profile Local|Cluster --meters N --prints M --concurrency C
                 [--postage MILLS] [--warmup W] [--silos S] [--baseline] [--openssl]
          --profile      Local: one host, in-memory stores. Cluster: PostgreSQL stores (source infra/local/.state/env first)
          --meters       meters to provision and fund (not timed)
          --prints       timed prints per meter (total meters x prints)
          --concurrency  concurrent clients issuing prints from one shared queue
          --postage      postage per print in mills (default 630, at most 100000)
          --warmup       untimed prints per meter before the timed phase (default 2)
          --silos        host processes in the Cluster profile (default 1)
          --baseline     afterwards, pgbench -N at the same concurrency on the same PostgreSQL server
          --openssl      afterwards, openssl speed -seconds 5 ecdsap256 (one core)
        """;

    /// <summary>Mills each meter is funded with: every warmup and timed print, nothing more.</summary>
    public long FundMills => (long)(PrintsPerMeter + WarmupPerMeter) * PostageMills;

    public int TotalPrints => Meters * PrintsPerMeter;

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        BenchmarkProfile? profile = null;
        int? meters = null, prints = null, concurrency = null;
        long postage = 630;
        int warmup = 2, silos = 1;
        bool baseline = false, openssl = false;

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value");
            switch (name)
            {
                case "--profile":
                    var text = Value();
                    profile = Enum.TryParse<BenchmarkProfile>(text, ignoreCase: true, out var p) && Enum.IsDefined(p)
                        ? p
                        : throw new UsageException($"--profile is Local or Cluster, not '{text}'");
                    break;
                case "--meters": meters = Positive(name, Value()); break;
                case "--prints": prints = Positive(name, Value()); break;
                case "--concurrency": concurrency = Positive(name, Value()); break;
                case "--postage": postage = Positive(name, Value()); break;
                case "--warmup": warmup = NonNegative(name, Value()); break;
                case "--silos": silos = Positive(name, Value()); break;
                case "--baseline": baseline = true; break;
                case "--openssl": openssl = true; break;
                case "--help" or "-h": throw new UsageException(null);
                default: throw new UsageException($"unknown argument '{name}'");
            }
        }

        var options = new BenchmarkOptions(
            profile ?? throw new UsageException("--profile is required"),
            meters ?? throw new UsageException("--meters is required"),
            prints ?? throw new UsageException("--prints is required"),
            concurrency ?? throw new UsageException("--concurrency is required"),
            postage, warmup, silos, baseline, openssl);

        if (options.Profile == BenchmarkProfile.Local && options.Silos != 1)
            throw new UsageException("--silos applies to the Cluster profile; the Local profile is one host");
        if (options.PostageMills > MaxPostagePerPieceMills)
            throw new UsageException($"--postage is at most {MaxPostagePerPieceMills} mills per piece");
        if (options.FundMills > DescendingRegisterCeilingMills)
            throw new UsageException(
                $"(prints + warmup) x postage = {options.FundMills} mills per meter, above the descending register ceiling of " +
                $"{DescendingRegisterCeilingMills} mills; lower --prints, --warmup or --postage, or use more meters");
        return options;
    }

    private static int Positive(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new UsageException($"{name} is a whole number above zero, not '{text}'");

    private static int NonNegative(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new UsageException($"{name} is a whole number, not '{text}'");
}

/// <summary>A command line the benchmark refuses; no problem means only the usage text was asked for.</summary>
public sealed class UsageException(string? problem) : Exception(problem ?? "usage")
{
    public string? Problem { get; } = problem;
}
