using System.Text.Json.Serialization;

namespace VbiOrleans.Client;

/// <summary>The answer of <c>/health/live</c> or <c>/health/ready</c>.</summary>
/// <param name="Status"><c>Healthy</c>, <c>Degraded</c> or <c>Unhealthy</c>.</param>
/// <param name="Checks">Each check by name; empty for the liveness probe.</param>
public sealed record HealthReport(string Status, IReadOnlyDictionary<string, HealthCheckEntry> Checks)
{
    public const string Healthy = "Healthy";
    public const string Degraded = "Degraded";
    public const string Unhealthy = "Unhealthy";

    /// <summary>Healthy or degraded: the server takes traffic (the ready probe answers 200 for both).</summary>
    [JsonIgnore]
    public bool IsUp => Status is Healthy or Degraded;
}

/// <summary>One health check's result.</summary>
public sealed record HealthCheckEntry(string Status, string? Description);

/// <summary>The states of a module table row.</summary>
public static class ModuleStates
{
    public const string Active = "Active";
    public const string Retired = "Retired";
}

/// <summary>The kinds of PSD transaction that can appear as a module's last transaction.</summary>
public static class TransactionKinds
{
    public const string PostageValueDownload = "PostageValueDownload";
    public const string Print = "Print";
    public const string Refund = "Refund";
    public const string Withdraw = "Withdraw";
    public const string Rollback = "Rollback";
    public const string Recovery = "Recovery";
}

/// <summary>
/// One row of the module table, as the operator endpoints return it. State and kind are kept as the server's strings
/// (see <see cref="ModuleStates"/> and <see cref="TransactionKinds"/>) so a newer server cannot break an older client.
/// Amounts are mills (tenths of a cent); format them with <see cref="Money.ToDollars(long)"/>.
/// </summary>
public sealed record ModuleRow(
    string Serial,
    string Label,
    string State,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? LastTransactionAt,
    string? LastTransactionKind,
    long? LastTransactionValueMills,
    string? LastTransactionMeterId,
    long? LastTransactionSequence,
    long TransactionCount)
{
    [JsonIgnore]
    public bool IsActive => State == ModuleStates.Active;

    /// <summary>The last transaction's value as dollars (<c>$1.234</c>), or null when the module has processed none.</summary>
    public string? ToDollars() => LastTransactionValueMills?.ToDollars();
}
