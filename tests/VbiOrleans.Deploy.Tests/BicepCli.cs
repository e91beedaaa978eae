using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace VbiOrleans.Deploy.Tests;

/// <summary>
/// The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64, its native tools/bicep), run as a process.
/// Offline: the deployment uses no registry modules, so nothing is restored from a registry.
/// </summary>
public static partial class BicepCli
{
    /// <summary>The longest one invocation may take; linting every file of bicep/ takes a few seconds.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    public static string DeploymentFolder => Path.Combine(RepositoryRoot, "bicep");

    public static string ExecutablePath
    {
        get
        {
            var path = Metadata("BicepCli");
            // NUGET_PACKAGES may move the packages folder between build and test.
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (!File.Exists(path) && !string.IsNullOrEmpty(packages))
                path = Path.Combine(packages, "azure.bicep.commandline.linux-x64", Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path)))!, "tools", "bicep");
            if (!File.Exists(path)) throw new FileNotFoundException($"the Bicep CLI is not at {path}; restore tests/VbiOrleans.Deploy.Tests", path);
            // The package's binary is for linux-x64 only; NuGet may extract it without its execute bit.
            if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the restored Bicep CLI is the linux-x64 build");
            var mode = File.GetUnixFileMode(path);
            if (!mode.HasFlag(UnixFileMode.UserExecute)) File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
            return path;
        }
    }

    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>Every diagnostic line ("file(line,col) : Warning rule: message"), whatever its level.</summary>
        public IReadOnlyList<string> Diagnostics =>
            [.. Output.Split('\n').Select(l => l.TrimEnd()).Where(l => DiagnosticLine().IsMatch(l))];
    }

    public static async Task<Result> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No telemetry and no update checks from a test run.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} took longer than {Timeout}");
        }
        return new Result(process.ExitCode, await stdout + await stderr);
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is missing");

    [GeneratedRegex(@"\(\d+,\d+\) : (Error|Warning|Info) ", RegexOptions.CultureInvariant)]
    private static partial Regex DiagnosticLine();
}
