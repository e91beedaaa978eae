using System.Diagnostics;

namespace VbiOrleans.Export;

/// <summary>
/// The step of a day's export where a test can have the exporting process killed (a SIGKILL of itself), to show that a
/// run that dies before its manifest leaves no visible day and that the next run completes it. Armed as the host's
/// fault points are (VbiOrleans.Grains.Faults.FaultPoints): <see cref="StepVariable"/> names the step, and the kill
/// happens while the file named by <see cref="ArmedFileVariable"/> exists (removed first: one kill per arming).
/// </summary>
public static class ExportFaultPoints
{
    public const string StepVariable = "VBI_TEST_KILL_AT";
    public const string ArmedFileVariable = "VBI_TEST_KILL_ARMED";

    /// <summary>Every table's file is written; the manifest is not.</summary>
    public const string BeforeManifest = "export-before-manifest";

    public static void Reached(string step)
    {
        var armed = Environment.GetEnvironmentVariable(ArmedFileVariable);
        if (armed is null || !string.Equals(Environment.GetEnvironmentVariable(StepVariable), step, StringComparison.Ordinal) || !File.Exists(armed)) return;
        File.Delete(armed);
        Console.Error.WriteLine($"fault point {step} reached: this process kills itself (SIGKILL)");
        using var self = Process.GetCurrentProcess();
        self.Kill();
        Environment.FailFast($"fault point {step}: the SIGKILL did not land");
    }
}
