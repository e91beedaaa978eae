namespace VbiOrleans.Benchmarks;

/// <summary>
/// The processor time the parts of a run spent during a phase, read from /proc: the hosts, PostgreSQL (every process
/// named <c>postgres</c>: the server's backends, WAL writer and checkpointer) and this client. Divided by the prints,
/// it says where a print's CPU goes on a machine where all three share the cores.
/// </summary>
public sealed record CpuAccount(TimeSpan Hosts, TimeSpan Postgres, TimeSpan Client, TimeSpan Wall)
{
    public sealed record Snapshot(TimeSpan Hosts, TimeSpan Postgres, TimeSpan Client, DateTime At);

    /// <summary>Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    public static Snapshot Take(IReadOnlyCollection<int> hostPids)
    {
        var hosts = hostPids.Sum(ProcessTicks);
        var postgres = PostgresPids().Sum(ProcessTicks);
        var client = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        return new Snapshot(FromTicks(hosts), FromTicks(postgres), client, DateTime.UtcNow);
    }

    public static CpuAccount Since(Snapshot before, IReadOnlyCollection<int> hostPids)
    {
        var after = Take(hostPids);
        return new CpuAccount(after.Hosts - before.Hosts, after.Postgres - before.Postgres, after.Client - before.Client, after.At - before.At);
    }

    /// <summary>One line: milliseconds of each part per print, and how many of the machine's cores were busy.</summary>
    public string Describe(int prints)
    {
        double PerPrint(TimeSpan t) => t.TotalMilliseconds / prints;
        var busy = (Hosts + Postgres + Client).TotalSeconds / Wall.TotalSeconds;
        return $"CPU during the timed phase: hosts {PerPrint(Hosts):F3} ms per print, PostgreSQL {PerPrint(Postgres):F3}, " +
               $"client {PerPrint(Client):F3}; {busy:F2} of {Environment.ProcessorCount} cores busy";
    }

    private static TimeSpan FromTicks(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);

    /// <summary>Every PostgreSQL process on this machine (its name in /proc).</summary>
    internal static IEnumerable<int> PostgresPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string comm;
            try { comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim(); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (comm == "postgres") yield return pid;
        }
    }

    /// <summary>utime + stime of a process, 0 once it is gone (a backend that ended during the phase is not counted).</summary>
    internal static long ProcessTicks(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return 0; }
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
