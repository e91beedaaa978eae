using Npgsql;
using VbiOrleans.Client;
using VbiOrleans.Testing;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>
/// What one signed print writes, table by table (Cluster profile): two windows on the quiet hosts (the log feed caught
/// up), one idle and one in which a single customer prints one request after another, compared. Per window, every store
/// database's commits (pg_stat_database.xact_commit) and every table's inserted, updated and deleted rows
/// (pg_stat_user_tables); the probe window minus the idle one, divided by the prints, is one print's share, including
/// what the log feed's consumers and the sealer do for it afterwards (the window ends after the feed has caught up).
/// </summary>
public static class WriteProbe
{
    private static readonly TimeSpan FeedTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// An idle backend publishes its table and commit counters within PostgreSQL's idle stats interval (10 s); the
    /// grain state versions are read exactly.
    /// </summary>
    private static readonly TimeSpan StatsDelay = TimeSpan.FromSeconds(11);

    /// <summary>
    /// Per store: commits, rows per table, and writes per grain state name (the sum of OrleansStorage.Version, which
    /// every write of a state raises by one and an insert starts at one).
    /// </summary>
    public sealed record Counters(Dictionary<string, long> Commits, Dictionary<(string Store, string Table), (long Ins, long Upd, long Del)> Tables,
        Dictionary<(string Store, string State), long> StateWrites);

    /// <summary>The idle window's counters are scaled to the printing window's length before they are taken away.</summary>
    public sealed record Result(IReadOnlyList<PrintAck> Acks, TimeSpan Printing, TimeSpan IdleWindow, TimeSpan PrintWindow, Counters Idle, Counters Printed)
    {
        public int Prints => Acks.Count;
    }

    public static async Task<Result> RunAsync(ApiCustomer customer, Uri host, string operatorKey, IReadOnlyDictionary<string, string> databases,
        ApiOptions options, TimeSpan printing, CancellationToken cancellation)
    {
        // Quiet first: the timed phase's records applied by the feed, and every backend's counters published.
        await LogFeedStatus.WaitUntilCaughtUpAsync(host, operatorKey, FeedTimeout, cancellation);
        await Task.Delay(StatsDelay, cancellation);
        var before = await TakeAsync(databases, cancellation);
        var idle = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(printing, cancellation);
        var middle = await TakeAsync(databases, cancellation);
        var idleWindow = idle.Elapsed;

        var order = new PrintOrder(options.PostageMills, "94105", "FIRST-CLASS");
        var label = new LabelOptions(options.LabelFormat);
        var acks = new List<PrintAck>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (started.Elapsed < printing)
        {
            var at = started.Elapsed;
            var result = await customer.Session.PrintAsync(order, label, $"probe-{customer.MeterId}-{acks.Count}", cancellation);
            acks.Add(new PrintAck(customer.Index, -1 - acks.Count, result.IndiciumId!, result.Sequence, result.AmountMills,
                (started.Elapsed - at).TotalMilliseconds, 0, PrintPhase.Timed));
        }
        // Until the feed's consumers have done their part for these prints, and the counters are published.
        await LogFeedStatus.WaitUntilCaughtUpAsync(host, operatorKey, FeedTimeout, cancellation);
        await Task.Delay(StatsDelay, cancellation);
        var after = await TakeAsync(databases, cancellation);
        return new Result(acks, printing, idleWindow, started.Elapsed, Delta(before, middle), Delta(middle, after));
    }

    /// <summary>Lines for the report: per print, commits per store and rows per table, the idle window's (scaled) taken away.</summary>
    public static IEnumerable<string> Describe(Result r)
    {
        var scale = r.PrintWindow / r.IdleWindow;
        double PerPrint(long printed, long idle) => (printed - idle * scale) / r.Prints;
        yield return $"write probe: one customer printing alone for {r.Printing.TotalSeconds:F0} s ({r.Prints} prints, " +
                     $"p50 {r.Acks.Select(a => a.LatencyMs).Order().ElementAt(r.Prints / 2):F1} ms), window {r.PrintWindow.TotalSeconds:F1} s to the log feed " +
                     $"caught up, against an idle window of {r.IdleWindow.TotalSeconds:F1} s; per print, the idle window's rate taken away:";
        yield return "  commits per print: " + string.Join(", ", r.Printed.Commits.Keys.Order()
            .Select(s => $"{s} {PerPrint(r.Printed.Commits[s], r.Idle.Commits.GetValueOrDefault(s)):F2}")) +
            " (idle window: " + string.Join(", ", r.Idle.Commits.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")) + " commits)";
        foreach (var ((store, state), writes) in r.Printed.StateWrites.OrderBy(t => t.Key.Store).ThenBy(t => t.Key.State))
        {
            var idle = r.Idle.StateWrites.GetValueOrDefault((store, state));
            if (writes + idle == 0) continue;
            yield return $"  {store} grain state '{state}': {PerPrint(writes, idle):F2} writes per print (idle window: {idle})";
        }
        foreach (var ((store, table), rows) in r.Printed.Tables.OrderBy(t => t.Key.Store).ThenBy(t => t.Key.Table))
        {
            var idle = r.Idle.Tables.GetValueOrDefault((store, table));
            if (rows.Ins + rows.Upd + rows.Del + idle.Ins + idle.Upd + idle.Del == 0) continue;
            yield return $"  {store}.{table}: inserted {PerPrint(rows.Ins, idle.Ins):F2}, updated {PerPrint(rows.Upd, idle.Upd):F2}, " +
                         $"deleted {PerPrint(rows.Del, idle.Del):F2} rows per print (idle window: {idle.Ins}/{idle.Upd}/{idle.Del})";
        }
    }

    private static Counters Delta(Counters a, Counters b) => new(
        b.Commits.ToDictionary(c => c.Key, c => c.Value - a.Commits.GetValueOrDefault(c.Key)),
        b.Tables.ToDictionary(t => t.Key, t =>
        {
            var o = a.Tables.GetValueOrDefault(t.Key);
            return (t.Value.Ins - o.Ins, t.Value.Upd - o.Upd, t.Value.Del - o.Del);
        }),
        b.StateWrites.ToDictionary(w => w.Key, w => w.Value - a.StateWrites.GetValueOrDefault(w.Key)));

    private static async Task<Counters> TakeAsync(IReadOnlyDictionary<string, string> databases, CancellationToken cancellation)
    {
        var commits = new Dictionary<string, long>();
        var tables = new Dictionary<(string, string), (long, long, long)>();
        var states = new Dictionary<(string, string), long>();
        foreach (var (store, database) in databases)
        {
            await using var connection = new NpgsqlConnection(LocalServices.ConnectionString(database));
            await connection.OpenAsync(cancellation);
            // This session's own reads commit too: the commit count is read first, in one statement, before anything else.
            await using (var command = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection))
                commits[store] = (long)(await command.ExecuteScalarAsync(cancellation))!;
            await using var rows = new NpgsqlCommand("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables", connection);
            await using var reader = await rows.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) tables[(store, reader.GetString(0))] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            await reader.CloseAsync();
            await using var versions = new NpgsqlCommand("SELECT graintypestring, coalesce(sum(version), 0)::bigint FROM orleansstorage GROUP BY 1", connection);
            await using var versionReader = await versions.ExecuteReaderAsync(cancellation);
            while (await versionReader.ReadAsync(cancellation)) states[(store, versionReader.GetString(0))] = versionReader.GetInt64(1);
        }
        return new Counters(commits, tables, states);
    }
}
