using System.Net;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Telemetry;

/// <summary>With the console exporter, a grain call shows up as Orleans activities and our own meter's counter.</summary>
public sealed class TelemetryExportTests
{
    [Fact]
    public async Task Orleans_traces_and_the_VbiOrleans_meter_are_exported()
    {
        var data = Path.Combine(Path.GetTempPath(), "vbi-otel-" + Guid.NewGuid().ToString("N")[..8]);
        var env = HostEnvironment.Local(data);
        env["Vbi__Telemetry__Exporter"] = "Console";
        env["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        await using var host = HostProcess.Start(env);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        using var http = OperatorHttp.Client(host.BaseAddress);
        using var response = await http.RegisterAsync("OTEL" + Random.Shared.Next(1000, 9999), "telemetry");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        bool Seen(string text) => host.Output.Any(l => l.Contains(text, StringComparison.Ordinal));
        while (DateTime.UtcNow < deadline && !(Seen("vbi.modules.registered") && Seen("ICryptoModuleGrain")))
        {
            await Task.Delay(250);
        }
        Assert.True(Seen("Microsoft.Orleans.Application"), "no Orleans application activity exported");
        Assert.True(Seen("VbiOrleans.Abstractions.Modules.ICryptoModuleGrain"), "no activity for the module grain call");
        Assert.True(Seen("vbi.modules.registered"), "the VbiOrleans meter's counter was not exported");
        if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
    }
}
