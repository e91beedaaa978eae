using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using VbiOrleans.Grains.Telemetry;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Hosting;

public static class Telemetry
{
    /// <summary>Orleans's meter and activity sources, ASP.NET Core, and our own <c>VbiOrleans</c> meter and source.</summary>
    public static void AddVbiTelemetry(this IServiceCollection services, TelemetrySettings settings, string instanceId)
    {
        if (settings.Exporter == TelemetryExporter.None) return;
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("VbiOrleans", serviceInstanceId: instanceId))
            .WithTracing(t =>
            {
                t.AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", VbiTelemetry.Name)
                 .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"));
                if (settings.Exporter == TelemetryExporter.Console) t.AddConsoleExporter();
                else t.AddOtlpExporter(o => { if (settings.OtlpEndpoint is { } e) o.Endpoint = new Uri(e); });
            })
            .WithMetrics(m =>
            {
                m.AddMeter("Microsoft.Orleans", VbiTelemetry.Name).AddAspNetCoreInstrumentation();
                if (settings.Exporter == TelemetryExporter.Console) m.AddConsoleExporter();
                else m.AddOtlpExporter(o => { if (settings.OtlpEndpoint is { } e) o.Endpoint = new Uri(e); });
            });
    }
}
