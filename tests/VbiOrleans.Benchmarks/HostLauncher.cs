using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using VbiOrleans.Testing;

namespace VbiOrleans.Benchmarks;

/// <summary>
/// Starts the hosts under test through infra/local/host.sh (one in the Local profile, <c>--silos</c> in the Cluster
/// profile on the local PostgreSQL and SoftHSM2; a cluster id of their own, free ports), connects an Orleans client
/// to them, and stops everything on dispose: the client, then every host (SIGTERM, SIGKILL after 15 s), then the
/// Local profile's data directory.
/// </summary>
public sealed class HostLauncher : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromSeconds(120);

    private readonly BenchmarkOptions _options;
    private readonly List<HostProcess> _hosts = [];

    /// <summary>The process ids of the running hosts.</summary>
    public IReadOnlyCollection<int> HostPids => [.. _hosts.Select(h => h.Pid)];
    private readonly List<int> _gatewayPorts = [];
    private readonly string _dataDirectory;
    private IHost? _client;

    public string ClusterId { get; }

    private HostLauncher(BenchmarkOptions options)
    {
        _options = options;
        ClusterId = "bench-" + Guid.NewGuid().ToString("N")[..12];
        _dataDirectory = Path.Combine(Path.GetTempPath(), ClusterId);
    }

    /// <summary>Starts the hosts and waits until every one answers /health/ready. On failure everything started is stopped.</summary>
    public static async Task<HostLauncher> StartAsync(BenchmarkOptions options, TextWriter progress, CancellationToken cancellation)
    {
        var launcher = new HostLauncher(options);
        try
        {
            await launcher.StartHostsAsync(progress, cancellation);
            return launcher;
        }
        catch
        {
            await launcher.DisposeAsync();
            throw;
        }
    }

    private async Task StartHostsAsync(TextWriter progress, CancellationToken cancellation)
    {
        if (_options.Profile == BenchmarkProfile.Cluster)
        {
            progress.WriteLine("[bench] infra/local/host.sh init-db");
            await using var initDb = HostProcess.Start(ClusterEnvironment(), "init-db");
            int exit;
            try
            {
                exit = await initDb.WaitForExitAsync(InitDbTimeout).WaitAsync(cancellation);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new BenchmarkFailure($"infra/local/host.sh init-db did not finish within {InitDbTimeout}:\n{initDb.Transcript()}");
            }
            if (exit != 0) throw new BenchmarkFailure($"infra/local/host.sh init-db failed with exit code {exit}:\n{initDb.Transcript()}");
        }

        for (var i = 0; i < _options.Silos; i++)
        {
            var gatewayPort = FreePorts.Next();
            var environment = HostEnvironment(i, gatewayPort);
            var host = HostProcess.Start(environment);
            _hosts.Add(host);
            _gatewayPorts.Add(gatewayPort);
            progress.WriteLine($"[bench] host {i + 1}/{_options.Silos}: pid {host.Pid}, {_options.Profile} profile, http {host.HttpPort}, gateway {gatewayPort}, cluster {ClusterId}");
        }
        try
        {
            await Task.WhenAll(_hosts.Select(h => h.WaitUntilReadyAsync(ReadyTimeout))).WaitAsync(cancellation);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new BenchmarkFailure($"a host did not become ready: {e.Message}", e);
        }
    }

    private Dictionary<string, string?> HostEnvironment(int index, int gatewayPort)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Vbi__Profile"] = _options.Profile.ToString(),
            // The benchmark measures meters, not commerce: PVDs without purchases (test mode only).
            ["Vbi__Purchases__AcceptUnpaidPvds"] = "true",
            ["Vbi__Payments__Provider"] = "test-mode",
            ["Vbi__Provider__Licensing__ApproveAtOnce"] = "true",
            ["Vbi__Cluster__ClusterId"] = ClusterId,
            ["Vbi__Cluster__ServiceId"] = ClusterId,
            ["Vbi__Cluster__SiloName"] = $"{ClusterId}-{index}",
            ["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Vbi__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Vbi__DataDirectory"] = _dataDirectory,
            // A key made for this run and never written anywhere; the host only needs its hash.
            ["Vbi__Operators__0__Name"] = "bench-operator",
            ["Vbi__Operators__0__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))))),
        };
        if (_options.Profile == BenchmarkProfile.Cluster)
        {
            foreach (var (key, value) in ClusterEnvironment()) environment[key] = value;
        }
        return environment;
    }

    /// <summary>
    /// What every Cluster host (and init-db, which makes the module keys) needs: the stores on the local PostgreSQL,
    /// the archive on Azurite, and the HSM all silos share, the local SoftHSM2 token.
    /// </summary>
    public static Dictionary<string, string?> ClusterEnvironment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["Vbi__Profile"] = nameof(BenchmarkProfile.Cluster),
            ["Vbi__Hsm__Kind"] = "Pkcs11",
            ["Vbi__Hsm__Pkcs11__ModulePath"] = ServiceEnvironment.Require("VBI_SOFTHSM_MODULE"),
            ["Vbi__Hsm__Pkcs11__TokenLabel"] = ServiceEnvironment.Require("VBI_SOFTHSM_TOKEN"),
            ["Vbi__Hsm__Pkcs11__PinFile"] = ServiceEnvironment.Require("VBI_SOFTHSM_PIN_FILE"),
            ["SOFTHSM2_CONF"] = ServiceEnvironment.Require("SOFTHSM2_CONF"),
        };
        foreach (var store in ServiceEnvironment.ClusterConnectionStrings)
            environment[$"ConnectionStrings__{store}"] = ServiceEnvironment.ConnectionString(store);
        return environment;
    }

    /// <summary>
    /// An Orleans client on the hosts: localhost clustering on the gateway in the Local profile, ADO.NET membership
    /// (Npgsql, the membership store) in the Cluster profile, which finds every silo's gateway.
    /// </summary>
    public async Task<IClusterClient> ConnectAsync(CancellationToken cancellation)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleansClient(client =>
        {
            if (_options.Profile == BenchmarkProfile.Local)
            {
                client.UseLocalhostClustering(_gatewayPorts[0], serviceId: ClusterId, clusterId: ClusterId);
            }
            else
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = ServiceEnvironment.ConnectionString("membership");
                });
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = ClusterId;
                    o.ServiceId = ClusterId;
                });
            }
        });
        _client = builder.Build();
        await _client.StartAsync(cancellation);
        return _client.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The last lines every host wrote, for a failure report.</summary>
    public string Transcripts() =>
        string.Join("\n", _hosts.Select((h, i) => $"--- host {i + 1} (pid {h.Pid}) ---\n{h.Transcript()}"));

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _client.StopAsync(timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
                // The hosts go next whatever the client does.
            }
            _client.Dispose();
            _client = null;
        }
        await Task.WhenAll(_hosts.Select(h => h.DisposeAsync().AsTask()));
        _hosts.Clear();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }
}
