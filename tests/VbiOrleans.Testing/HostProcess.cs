using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace VbiOrleans.Testing;

/// <summary>
/// A real host process started through infra/local/host.sh, the script developers use. It execs dotnet, so the PID
/// here is the host's own and <see cref="KillHard"/> is a real SIGKILL.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();

    public int HttpPort { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");
    public IReadOnlyCollection<string> Output => _output;
    public IReadOnlyCollection<string> Errors => _errors;
    public int Pid => _process.Id;

    private HostProcess(Process process, int httpPort)
    {
        _process = process;
        HttpPort = httpPort;
    }

    /// <summary>The build configuration of the test assembly, so the script runs the host built alongside it.</summary>
    public static string BuildConfiguration =>
        typeof(HostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static HostProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        Start(FreePorts.Next(), environment, arguments);

    public static HostProcess Start(int httpPort, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(LocalServices.RepositoryRoot, "infra", "local", "host.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = LocalServices.RepositoryRoot,
        };
        var isInitDb = arguments.Length > 0 && arguments[0] == "init-db";
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (!isInitDb)
        {
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add($"http://127.0.0.1:{httpPort}");
        }
        info.Environment["VBI_BUILD_CONFIGURATION"] = BuildConfiguration;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment) info.Environment[key] = value;

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start infra/local/host.sh");
        var host = new HostProcess(process, httpPort);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) host._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) host._errors.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    public bool HasExited => _process.HasExited;

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until /health/ready answers 200; fails with the host's output if it exits or times out.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"host exited with {_process.ExitCode} before it was ready:\n{Transcript()}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/health/ready"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"host on port {HttpPort} not ready after {timeout}:\n{Transcript()}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, exactly like a machine losing power under the process.</summary>
    public void KillHard()
    {
        if (_process.HasExited) return;
        if (SendSignal(_process.Id, 9) != 0) throw new InvalidOperationException($"kill -9 {_process.Id} failed");
        _process.WaitForExit(10_000);
    }

    public string Transcript() =>
        string.Join('\n', _output.TakeLast(60)) + "\n--- stderr ---\n" + string.Join('\n', _errors.TakeLast(60));

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            SendSignal(_process.Id, 15);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                KillHard();
            }
        }
        _process.Dispose();
    }
}
