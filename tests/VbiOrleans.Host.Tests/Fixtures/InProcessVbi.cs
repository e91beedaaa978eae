using VbiOrleans.Cli;

namespace VbiOrleans.Host.Tests.Fixtures;

/// <summary>
/// The <c>vbi</c> CLI run in process, with its real HTTP client, against a host: the environment is the given
/// variables plus the server and a config folder under <paramref name="home"/>; no secret is read from a terminal.
/// </summary>
public static class InProcessVbi
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(Uri server, string home, Dictionary<string, string?> variables, params string[] args)
    {
        variables["VBI_SERVER"] = server.ToString();
        variables["VBI_HOME"] = Path.Combine(home, "config");
        var environment = new CliEnvironment { GetVariable = name => variables.GetValueOrDefault(name), ReadSecret = _ => null, Timeout = TimeSpan.FromSeconds(60) };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
