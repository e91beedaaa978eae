using System.Globalization;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>The label a print asks for in the <c>--api</c> mode; <see cref="None"/> prints the indicium alone.</summary>
public enum ApiLabel
{
    None,
    Pdf,
    Png,
    Zpl,
}

/// <summary>The command line of <c>--api</c>. <see cref="Parse"/> refuses anything it does not understand.</summary>
public sealed record ApiOptions(
    BenchmarkProfile Profile,
    int Hosts,
    int Meters,
    ApiLabel Label,
    long PostageMills,
    TimeSpan Warmup,
    TimeSpan Timed,
    bool Baseline,
    bool OpenSsl,
    TimeSpan Probe,
    IReadOnlyDictionary<string, string> HostEnvironment,
    string? HostOutput,
    bool LogStatements,
    int DbPairs)
{
    /// <summary>At most this many postal/module database pairs (<c>--db-pairs</c>).</summary>
    public const int MaxDbPairs = 3;

    public const string Usage = """
        usage: dotnet run -c Release --project tests/VbiOrleans.Benchmarks -- --api --profile Local|Cluster --meters N
                 [--hosts H] [--label none|pdf|png|zpl] [--postage MILLS] [--warmup-seconds W] [--seconds T] [--baseline] [--openssl]
                 [--probe-seconds P] [--host-env NAME=VALUE]... [--host-output FILE] [--log-statements] [--db-pairs N]
          --profile          Local: one host, in-memory stores. Cluster: every store in a scratch database of the local PostgreSQL
                             (source infra/local/.state/env first), SoftHSM2 as the HSM
          --meters           customers, each signed up with one meter licensed, registered and funded (not timed); each prints one
                             signed request at a time through the SDK over HTTP, so this is also the concurrency
          --hosts            host processes in the Cluster profile (default 1); customers are spread over them
          --label            the label each print asks for (default pdf); none prints the indicium alone
          --postage          postage per print in mills (default 630, at most 100000)
          --warmup-seconds   untimed printing first (default 10)
          --seconds          the timed phase (default 30)
          --baseline         afterwards, pgbench -N -c <meters> -j 2 -T 20 on the same PostgreSQL server
          --openssl          afterwards, openssl speed -seconds 5 ecdsap256 (one core)
          --probe-seconds    Cluster: after the timed phase, one customer prints alone for P s (default 8, 0 with --db-pairs 2 or 3: no probe) against an
                             idle window, and the rows each table gained per print are reported (WriteProbe)
          --host-env         an environment variable for every host (repeatable), e.g. Vbi__Telemetry__Exporter=Console
          --host-output      write every host's standard output and error to FILE (host N's lines prefixed "hN ") when it stops
          --log-statements   Cluster: log_statement = 'all' on the run's scratch databases (PostgreSQL's server log gets
                             every statement the hosts send; for a short run that lists what one print does)
          --db-pairs         Cluster: the postal and module stores over N postal/module database pairs, 1 to 3 (default 1: the
                             stores' one database each). N >= 2: N-1 extra PostgreSQL servers from infra/local/services.sh
                             extra-pg (stopped and deleted afterwards) beside the local one, and a shard map of 16 buckets,
                             bucket b on pair b mod N, pair i's postal database on server i and its module database on server
                             (i+1) mod N; the report gives every server's commits and WAL per print
        """;

    public static ApiOptions Parse(IReadOnlyList<string> args)
    {
        BenchmarkProfile? profile = null;
        int? meters = null;
        int hosts = 1, warmup = 10, seconds = 30;
        int? probe = null;
        var hostEnvironment = new Dictionary<string, string>();
        string? hostOutput = null;
        var logStatements = false;
        var dbPairs = 1;
        long postage = 630;
        var label = ApiLabel.Pdf;
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
                case "--label":
                    var format = Value();
                    label = Enum.TryParse<ApiLabel>(format, ignoreCase: true, out var l) && Enum.IsDefined(l) && !int.TryParse(format, out _)
                        ? l
                        : throw new UsageException($"--label is none, pdf, png or zpl, not '{format}'");
                    break;
                case "--meters": meters = Positive(name, Value()); break;
                case "--hosts": hosts = Positive(name, Value()); break;
                case "--postage": postage = Positive(name, Value()); break;
                case "--warmup-seconds": warmup = NonNegative(name, Value()); break;
                case "--seconds": seconds = Positive(name, Value()); break;
                case "--baseline": baseline = true; break;
                case "--openssl": openssl = true; break;
                case "--probe-seconds": probe = NonNegative(name, Value()); break;
                case "--host-env":
                    var assignment = Value();
                    var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                    if (equals < 1) throw new UsageException($"--host-env is NAME=VALUE, not '{assignment}'");
                    hostEnvironment[assignment[..equals]] = assignment[(equals + 1)..];
                    break;
                case "--host-output": hostOutput = Value(); break;
                case "--log-statements": logStatements = true; break;
                case "--db-pairs":
                    dbPairs = Positive(name, Value());
                    if (dbPairs > MaxDbPairs) throw new UsageException($"--db-pairs is 1 to {MaxDbPairs}, not {dbPairs}");
                    break;
                case "--help" or "-h": throw new UsageException(null);
                default: throw new UsageException($"unknown argument '{name}'");
            }
        }

        var options = new ApiOptions(
            profile ?? throw new UsageException("--profile is required"),
            hosts,
            meters ?? throw new UsageException("--meters is required"),
            label, postage, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds), baseline, openssl,
            TimeSpan.FromSeconds(probe ?? (profile == BenchmarkProfile.Cluster && dbPairs == 1 ? 8 : 0)), hostEnvironment, hostOutput, logStatements, dbPairs);
        if (options.Profile == BenchmarkProfile.Local && options.Probe > TimeSpan.Zero)
            throw new UsageException("--probe-seconds counts rows in PostgreSQL: the Cluster profile");
        if (options.DbPairs > 1 && options.Probe > TimeSpan.Zero)
            throw new UsageException("--probe-seconds counts rows in the stores' own databases, not the shard map's: with --db-pairs 2 or 3 it is 0");
        if (options.Profile == BenchmarkProfile.Local && options.DbPairs != 1)
            throw new UsageException("--db-pairs spreads PostgreSQL databases: the Cluster profile");
        if (options.Profile == BenchmarkProfile.Local && options.Hosts != 1)
            throw new UsageException("--hosts applies to the Cluster profile; the Local profile is one host");
        if (options.PostageMills > BenchmarkOptions.MaxPostagePerPieceMills)
            throw new UsageException($"--postage is at most {BenchmarkOptions.MaxPostagePerPieceMills} mills per piece");
        return options;
    }

    /// <summary>What the SDK sends as the label format ("none": the host answers with the indicium alone).</summary>
    public string LabelFormat => Label.ToString().ToLowerInvariant();

    private static int Positive(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new UsageException($"{name} is a whole number above zero, not '{text}'");

    private static int NonNegative(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new UsageException($"{name} is a whole number, not '{text}'");
}
