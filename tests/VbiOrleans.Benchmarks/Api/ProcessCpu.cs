namespace VbiOrleans.Benchmarks.Api;

/// <summary>
/// Processor time (utime + stime from /proc/PID/stat) of each process of a run during a phase: every host, this
/// benchmark process, and PostgreSQL (every process named postgres, summed: other clients of the server count too).
/// </summary>
public sealed record ProcessCpu(IReadOnlyList<(string Name, TimeSpan Cpu)> Processes, TimeSpan Wall)
{
    public sealed record Snapshot(IReadOnlyList<(string Name, int? Pid, long Ticks)> Processes, DateTime At);

    /// <summary>Clock ticks per second of utime and stime (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    public static Snapshot Take(IReadOnlyList<int> hostPids)
    {
        var processes = new List<(string, int?, long)>();
        for (var i = 0; i < hostPids.Count; i++) processes.Add(($"host {i + 1} (pid {hostPids[i]})", hostPids[i], CpuAccount.ProcessTicks(hostPids[i])));
        processes.Add(($"benchmark (pid {Environment.ProcessId})", Environment.ProcessId, CpuAccount.ProcessTicks(Environment.ProcessId)));
        processes.Add(("PostgreSQL (all postgres processes)", null, CpuAccount.PostgresPids().Sum(CpuAccount.ProcessTicks)));
        return new Snapshot(processes, DateTime.UtcNow);
    }

    public static ProcessCpu Since(Snapshot before, IReadOnlyList<int> hostPids)
    {
        var after = Take(hostPids);
        return new ProcessCpu(
            [.. after.Processes.Zip(before.Processes, (a, b) => (a.Name, TimeSpan.FromSeconds((a.Ticks - b.Ticks) / TicksPerSecond)))],
            after.At - before.At);
    }

    public string Describe(int prints)
    {
        var busy = Processes.Sum(p => p.Cpu.TotalSeconds) / Wall.TotalSeconds;
        return "CPU per print during the timed phase: " +
               string.Join(", ", Processes.Select(p => $"{p.Name} {p.Cpu.TotalMilliseconds / prints:F3} ms")) +
               $"; {busy:F2} of {Environment.ProcessorCount} cores busy";
    }
}
