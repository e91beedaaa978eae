using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VbiOrleans.Grains.Telemetry;

/// <summary>Our own meter and activity source, both named <c>VbiOrleans</c>; the host exports them with Orleans's.</summary>
public static class VbiTelemetry
{
    public const string Name = "VbiOrleans";

    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Counter<long> ModulesRegistered =
        Meter.CreateCounter<long>("vbi.modules.registered", description: "Crypto modules added to the module table");

    public static readonly Counter<long> ModuleTransactions =
        Meter.CreateCounter<long>("vbi.modules.transactions", description: "PSD transactions recorded in the module table");

    public static readonly Counter<long> CommandsRefused =
        Meter.CreateCounter<long>("vbi.commands.refused", description: "Commands refused with a named error, by code");
}
