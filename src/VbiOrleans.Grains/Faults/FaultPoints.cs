using System.Diagnostics;

namespace VbiOrleans.Grains.Faults;

/// <summary>
/// Named steps of the print path after the module's commit, of a purchase around its calls to the payment provider, and of a provider run, where a test can have its host process killed (a SIGKILL
/// of itself), to show that a crash at that step loses nothing downstream of the log. Only a test arms them, through
/// its host's environment: <see cref="StepVariable"/> names the step, and the kill happens when the step is reached
/// while the file named by <see cref="ArmedFileVariable"/> exists (the test creates it just before the request it
/// means; the file is removed first, so one kill per arming). Without both variables, reaching a step does nothing.
/// </summary>
public static class FaultPoints
{
    public const string StepVariable = "VBI_TEST_KILL_AT";
    public const string ArmedFileVariable = "VBI_TEST_KILL_ARMED";

    /// <summary>Module memory holds the new checkpoint (step 6); nothing is logged yet.</summary>
    public const string ModuleCommitted = "module-committed";

    /// <summary>The log record is durable (step 7, first half); the postal row is not written.</summary>
    public const string LogAppended = "log-appended";

    /// <summary>The postal row is durable too (step 7 done); the meter grain has not answered.</summary>
    public const string PostalWritten = "postal-written";

    /// <summary>
    /// The meter answered the client session with the module's signed reply (stored with module memory, the next
    /// challenge with it); the answer has not left the server.
    /// </summary>
    public const string MeterAnswered = "meter-answered";

    /// <summary>The payment provider authorized a purchase's charge; the purchase has not recorded the answer.</summary>
    public const string PurchaseAuthorized = "purchase-authorized";

    /// <summary>A purchase's charge is captured at the provider; the purchase has not recorded it as settled.</summary>
    public const string PurchaseCaptured = "purchase-captured";

    /// <summary>A refund paid out is refunded at the payment provider; the payout has not recorded it, nor posted it.</summary>
    public const string RefundPaidOut = "refund-paid-out";

    /// <summary>A provider day's file is built, signed and archived; nothing is sent to the postal authority yet.</summary>
    public const string ProviderArchived = "provider-archived";

    /// <summary>A shard move has copied its buckets' rows to the new database; the map does not switch them yet (docs/scaling.md, "Moves").</summary>
    public const string ShardMoveCopied = "shard-move-copied";

    /// <summary>The print path's steps, in order (the purchase's are apart: a print reaches none of them).</summary>
    public static readonly IReadOnlyList<string> Steps = [ModuleCommitted, LogAppended, PostalWritten, MeterAnswered];

    private static readonly string? Step = Environment.GetEnvironmentVariable(StepVariable);
    private static readonly string? ArmedFile = Environment.GetEnvironmentVariable(ArmedFileVariable);

    public static void Reached(string step)
    {
        if (Step is null || ArmedFile is null || !string.Equals(step, Step, StringComparison.Ordinal) || !File.Exists(ArmedFile)) return;
        File.Delete(ArmedFile);
        Console.Error.WriteLine($"fault point {step} reached: this process kills itself (SIGKILL)");
        using var self = Process.GetCurrentProcess();
        self.Kill();
        Environment.FailFast($"fault point {step}: the SIGKILL did not land");
    }
}
