using VbiOrleans.Client;

namespace VbiOrleans.Cli;

/// <summary>The process exit codes of <c>vbi</c>. Scripts may rely on them; they are shown in every help page.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked (for <c>status</c>: the server is ready).</summary>
    public const int Ok = 0;

    /// <summary>The command line is wrong: unknown command or option, missing argument, bad URL, unreadable or missing key.</summary>
    public const int Usage = 1;

    /// <summary>The server refused the request (HTTP 4xx other than 404): invalid input, a conflict, bad credentials.</summary>
    public const int Refused = 2;

    /// <summary>The server is unreachable, timed out, failed (HTTP 5xx) or, for <c>status</c>, is not ready.</summary>
    public const int Unavailable = 3;

    /// <summary>What was asked for does not exist (HTTP 404), for example an unregistered module serial.</summary>
    public const int NotFound = 4;

    /// <summary>Log in first: no account or meter session here, or the server refused the token, the session or the password.</summary>
    public const int LoginRequired = 5;

    /// <summary><c>verify</c>: the indicium is not valid (the reasons are printed).</summary>
    public const int Invalid = 6;

    /// <summary><c>print --batch</c>: some rows were not printed (each is reported); the others were.</summary>
    public const int Partial = 7;

    /// <summary>The exit code table as it appears in help.</summary>
    public static readonly string HelpText = string.Join(Environment.NewLine,
        "Exit codes:",
        $"  {Ok}  ok (status: the server is ready)",
        $"  {Usage}  usage error (bad command line, bad --server URL, no or unreadable operator key)",
        $"  {Refused}  the server refused the request (HTTP 4xx); prints \"error <code>: <detail>\"",
        $"  {Unavailable}  the server is unreachable, timed out or failed (HTTP 5xx); status: not ready",
        $"  {NotFound}  not found (HTTP 404), e.g. the module serial is not registered",
        $"  {LoginRequired}  log in first: not registered or logged in here, or the token, meter session or password was refused",
        $"  {Invalid}  verify: the indicium is not valid",
        $"  {Partial}  print --batch: some rows were not printed (the others were)");

    /// <summary>The exit code for an SDK failure in a customer command: "log in again" codes are <see cref="LoginRequired"/>.</summary>
    public static int ForCustomer(VbiApiException error) => VbiErrorCodes.NeedsLogin(error.Code) ? LoginRequired : For(error);

    /// <summary>The exit code for an SDK failure.</summary>
    public static int For(VbiApiException error) => error.Status switch
    {
        0 => Unavailable,
        404 => NotFound,
        >= 400 and < 500 => Refused,
        _ => Unavailable,
    };
}
