using System.Diagnostics;
using System.Globalization;

namespace VbiOrleans.Testing;

/// <summary>
/// <c>infra/local/services.sh extra-pg ACTION NAME</c>, the one way tests and the benchmark start, stop, kill and find
/// the extra PostgreSQL servers a developer starts too (docs/scaling.md).
/// </summary>
public static class ExtraPostgresScript
{
    /// <summary>How long one call of the script may take (a start runs initdb).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs the script and returns its standard output; a failure or a timeout throws with its standard error.</summary>
    public static async Task<string> RunAsync(string action, string name, CancellationToken cancellation = default)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = LocalServices.RepositoryRoot,
        };
        info.ArgumentList.Add(Path.Combine(LocalServices.RepositoryRoot, "infra", "local", "services.sh"));
        info.ArgumentList.Add("extra-pg");
        info.ArgumentList.Add(action);
        info.ArgumentList.Add(name);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start infra/local/services.sh");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"services.sh extra-pg {action} {name} did not finish within {Timeout.TotalSeconds:F0} s");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"services.sh extra-pg {action} {name} exited with {process.ExitCode}:\n{await stderr}");
        return await stdout;
    }

    /// <summary>A started server's port and its connection string without a database, from the environment file the script writes.</summary>
    public static async Task<(int Port, string BaseConnectionString)> EnvironmentOfAsync(string name, CancellationToken cancellation = default)
    {
        var envFile = (await RunAsync("env", name, cancellation)).Trim();
        var values = (await File.ReadAllLinesAsync(envFile, cancellation))
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal) && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l["export ".Length..])
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('\''));
        return (int.Parse(values["VBI_EXTRA_PG_PORT"], CultureInfo.InvariantCulture), values["VBI_EXTRA_PG_BASE"]);
    }
}
