namespace VbiOrleans.Admin;

/// <summary>The exit codes of <c>vbi-admin</c>, the same scheme as <c>vbi</c>'s plus one for a log that fails verification.</summary>
public static class AdminExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Refused = 2;
    public const int Unavailable = 3;
    public const int NotFound = 4;

    /// <summary>The archived log does not verify: an entry or checkpoint was changed, removed or forged.</summary>
    public const int LogTampered = 5;

    /// <summary>Recovery ran, and some meter's registers did not come back as module memory has them.</summary>
    public const int Mismatches = 6;

    /// <summary>The day's reconciliation found differences between the log, the provider files and the ledger.</summary>
    public const int Differences = 7;

    public static readonly string HelpText = string.Join(Environment.NewLine,
        "Exit codes:",
        $"  {Ok}  ok",
        $"  {Usage}  usage error (bad command line, archive location or operator key)",
        $"  {Refused}  the server refused the request (HTTP 4xx)",
        $"  {Unavailable}  the server or the archive is unreachable, timed out or failed",
        $"  {NotFound}  not found (HTTP 404, or nothing archived yet)",
        $"  {LogTampered}  the archived log fails verification; the first bad entry is named",
        $"  {Mismatches}  recovery finished with register mismatches",
        $"  {Differences}  the day's reconciliation found differences (each is listed)");
}
