namespace VbiOrleans.Abstractions.Customers;

/// <summary>
/// The operator audit log for one UTC day (key "audit/yyyy-MM-dd"), in the <c>membership</c> store: every request to
/// an operator endpoint (and every operator print), who made it and how it ended.
/// </summary>
public interface IOperatorAuditGrain : IGrainWithStringKey
{
    static string Key(DateTimeOffset at) => $"audit/{at.UtcDateTime:yyyy-MM-dd}";

    Task Append(OperatorAuditEntry entry);

    Task<IReadOnlyList<OperatorAuditEntry>> List();
}

[GenerateSerializer, Immutable]
public sealed record OperatorAuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Operator,
    [property: Id(2)] string Method,
    [property: Id(3)] string Path,
    [property: Id(4)] int Status,
    [property: Id(5)] string? RemoteAddress);
