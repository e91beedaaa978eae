using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using VbiOrleans.Testing;

using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Durability;

/// <summary>
/// An Azurite blob service of one test's own, on a free port with its own data folder, launched as
/// infra/local/services.sh launches the shared one (the azurite-blob it installs under infra/local/.tools). The test may
/// SIGKILL it and start it again on the same port and folder; the shared Azurite that other tests use is never touched.
/// </summary>
public sealed partial class PrivateAzurite : IDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private PrivateAzurite(int port, string dataDirectory)
    {
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }
    public string DataDirectory { get; }

    /// <summary>The shared Azurite's connection string (the well-known devstoreaccount1 key) with this instance's endpoint.</summary>
    public string ConnectionString => BlobEndpoint().Replace(LocalServices.ArchiveConnectionString, $"BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;");

    public static string Executable => Path.Combine(LocalServices.RepositoryRoot, "infra", "local", ".tools", "node_modules", ".bin", "azurite-blob");

    public static async Task<PrivateAzurite> StartAsync()
    {
        var azurite = new PrivateAzurite(FreePorts.Next(), Path.Combine(Path.GetTempPath(), "vbi-azurite-" + Guid.NewGuid().ToString("N")[..8]));
        Directory.CreateDirectory(azurite.DataDirectory);
        await azurite.StartAgainAsync();
        return azurite;
    }

    /// <summary>Starts the service (again) on the same port and data folder; returns once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException($"azurite on port {Port} is still running");
        if (!File.Exists(Executable)) Assert.Fail($"{Executable} is missing: run infra/local/services.sh install");
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--location", DataDirectory, "--skipApiVersionCheck", "--disableTelemetry", "--silent",
                 })
            info.ArgumentList.Add(a);
        _process?.Dispose();
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start azurite-blob");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"azurite exited with {_process.ExitCode}: {string.Join('\n', _output)}");
            if (await ListeningAsync()) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"azurite is not listening on port {Port} after 30 s: {string.Join('\n', _output)}");
    }

    /// <summary>SIGKILL: no flushing of its metadata, like a storage node losing power.</summary>
    public void KillHard()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public async Task<bool> ListeningAsync()
    {
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync("127.0.0.1", Port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        KillHard();
        _process?.Dispose();
        try
        {
            if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a temporary folder; nothing depends on it going
        }
    }

    [GeneratedRegex("BlobEndpoint=[^;]*;?")]
    private static partial Regex BlobEndpoint();
}
