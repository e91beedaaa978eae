using Microsoft.Extensions.Logging;

namespace VbiOrleans.Grains.Provider;

/// <summary>The provider's log events, with ids that stay the same so alerting can match them.</summary>
public static class ProviderEvents
{
    /// <summary>The daily reconciliation found a difference (Critical): one event per difference, naming it to the mill.</summary>
    public static readonly EventId ReconciliationDifference = new(2100, "ProviderReconciliationDifference");

    /// <summary>The ledger refused the remittance's entry (an entry of that id with other postings): the money went, the books disagree (Critical).</summary>
    public static readonly EventId RemittancePostingRefused = new(2101, "ProviderRemittancePostingRefused");
}

/// <summary>The provider's metrics, on the service's meter (<c>VbiOrleans</c>).</summary>
public static class ProviderTelemetry
{
    public static readonly System.Diagnostics.Metrics.Counter<long> Alerts =
        Telemetry.VbiTelemetry.Meter.CreateCounter<long>("vbi.provider.alerts",
            description: "Provider alerts: differences found by the daily reconciliation (alert=reconciliation, check=…), remittance entries the ledger refused (alert=remittance-posting)");
}
