using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace VbiOrleans.Benchmarks;

/// <summary>
/// Reference figures from the same machine, run after the indicia run and never beside it:
/// pgbench's simple-update transaction (one commit each) and openssl's ECDSA P-256 signing on one core.
/// </summary>
public static partial class Baselines
{
    public const string PgBenchDatabase = "vbi_pgbench";
    private const int PgBenchScale = 10;
    private const int PgBenchSeconds = 20;

    /// <summary>
    /// <c>pgbench -N -c C -j min(C,2) -T 20</c> on database vbi_pgbench of the local PostgreSQL server (created and
    /// initialised with scale 10 once). Returns tps without initial connection time.
    /// </summary>
    public static async Task<double> PgBenchTpsAsync(int concurrency, TextWriter progress, CancellationToken cancellation)
    {
        var port = ServiceEnvironment.PostgresPort;
        var server = ServiceEnvironment.Postgres("postgres");
        var pgbench = Path.Combine(ServiceEnvironment.PostgresBin, "pgbench");
        if (!File.Exists(pgbench)) throw new BenchmarkFailure($"{pgbench} does not exist (VBI_PG_BIN); install postgresql-15 with infra/local/services.sh install");
        var environment = new Dictionary<string, string> { ["PGPASSWORD"] = server.Password ?? "" };
        string[] connection = ["-h", "127.0.0.1", "-p", port, "-U", "postgres"];

        if (await PrepareDatabaseAsync(server, cancellation))
        {
            progress.WriteLine($"[bench] pgbench -i -s {PgBenchScale} {PgBenchDatabase}");
            var init = await RunAsync(pgbench, [.. connection, "-i", "-s", PgBenchScale.ToString(CultureInfo.InvariantCulture), "-q", PgBenchDatabase], environment, cancellation);
            if (init.ExitCode != 0) throw new BenchmarkFailure($"pgbench -i failed with exit code {init.ExitCode}:\n{init.StandardError}");
        }

        await CheckpointAsync(progress, cancellation);
        var threads = Math.Min(concurrency, 2).ToString(CultureInfo.InvariantCulture);
        progress.WriteLine($"[bench] pgbench -N -c {concurrency} -j {threads} -T {PgBenchSeconds} {PgBenchDatabase}");
        var run = await RunAsync(pgbench,
            [.. connection, "-N", "-c", concurrency.ToString(CultureInfo.InvariantCulture), "-j", threads, "-T", PgBenchSeconds.ToString(CultureInfo.InvariantCulture), PgBenchDatabase],
            environment, cancellation);
        if (run.ExitCode != 0) throw new BenchmarkFailure($"pgbench failed with exit code {run.ExitCode}:\n{run.StandardError}\n{run.StandardOutput}");
        var match = PgBenchTps().Match(run.StandardOutput);
        if (!match.Success) throw new BenchmarkFailure($"no 'tps = … (without initial connection time)' line in pgbench's output:\n{run.StandardOutput}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <c>CHECKPOINT</c> on the local server: the WAL the phase before wrote is flushed to the tables now, not while the
    /// next phase is measured (after an indicia run, an owed checkpoint once cut pgbench to a tenth of its rate).
    /// </summary>
    public static async Task CheckpointAsync(TextWriter progress, CancellationToken cancellation)
    {
        var server = ServiceEnvironment.Postgres("postgres");
        progress.WriteLine("[bench] CHECKPOINT");
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>Fails at once, before the indicia run, when the PostgreSQL server of the baseline cannot be reached.</summary>
    public static async Task CheckPostgresAsync(CancellationToken cancellation)
    {
        var server = ServiceEnvironment.Postgres("postgres");
        _ = ServiceEnvironment.PostgresPort;
        _ = ServiceEnvironment.PostgresBin;
        try
        {
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync(cancellation);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Unreachable(server, e);
        }
    }

    private static BenchmarkFailure Unreachable(NpgsqlConnectionStringBuilder server, Exception e) =>
        new($"PostgreSQL at {server.Host}:{server.Port} is not reachable for the baseline ({e.Message.ReplaceLineEndings(" ")}): " +
            $"start it with infra/local/services.sh start && {ServiceEnvironment.LoadCommand}", e);

    /// <summary>Creates vbi_pgbench if missing; true when it still needs <c>pgbench -i</c>.</summary>
    private static async Task<bool> PrepareDatabaseAsync(NpgsqlConnectionStringBuilder server, CancellationToken cancellation)
    {
        try
        {
            await using (var connection = new NpgsqlConnection(server.ConnectionString))
            {
                await connection.OpenAsync(cancellation);
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
                exists.Parameters.AddWithValue("name", PgBenchDatabase);
                if (await exists.ExecuteScalarAsync(cancellation) is null)
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {PgBenchDatabase}", connection);
                    await create.ExecuteNonQueryAsync(cancellation);
                    return true;
                }
            }
            await using var database = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = PgBenchDatabase }.ConnectionString);
            await database.OpenAsync(cancellation);
            // A complete scale-10 initialisation has its four tables and 10 branches; anything else (an interrupted -i)
            // is initialised again.
            await using var check = new NpgsqlCommand(
                "SELECT to_regclass('pgbench_accounts') IS NOT NULL AND to_regclass('pgbench_branches') IS NOT NULL " +
                "AND to_regclass('pgbench_tellers') IS NOT NULL AND to_regclass('pgbench_history') IS NOT NULL", database);
            if (await check.ExecuteScalarAsync(cancellation) is not true) return true;
            await using var branches = new NpgsqlCommand("SELECT count(*) FROM pgbench_branches", database);
            return (long)(await branches.ExecuteScalarAsync(cancellation))! != PgBenchScale;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Unreachable(server, e);
        }
    }

    /// <summary><c>openssl speed -seconds 5 ecdsap256</c> (one process, one core): ECDSA P-256 signatures per second.</summary>
    public static async Task<double> OpenSslSignsPerSecondAsync(TextWriter progress, CancellationToken cancellation)
    {
        progress.WriteLine("[bench] openssl speed -seconds 5 ecdsap256");
        ProcessOutput run;
        try
        {
            run = await RunAsync("openssl", ["speed", "-seconds", "5", "ecdsap256"], new Dictionary<string, string>(), cancellation);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BenchmarkFailure($"openssl could not be started ({e.Message}); install the openssl package", e);
        }
        if (run.ExitCode != 0) throw new BenchmarkFailure($"openssl speed failed with exit code {run.ExitCode}:\n{run.StandardError}");
        // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  52570.1  16874.0": sign/s is the second number from the end.
        var line = run.StandardOutput.Split('\n').FirstOrDefault(l => l.Contains("(nistp256)", StringComparison.Ordinal))
            ?? throw new BenchmarkFailure($"no nistp256 line in openssl speed's output:\n{run.StandardOutput}");
        var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return double.Parse(columns[^2], CultureInfo.InvariantCulture);
    }

    private sealed record ProcessOutput(int ExitCode, string StandardOutput, string StandardError);

    private static async Task<ProcessOutput> RunAsync(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancellation)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new BenchmarkFailure($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var error = process.StandardError.ReadToEndAsync(cancellation);
        try
        {
            await process.WaitForExitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        return new ProcessOutput(process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex PgBenchTps();
}
