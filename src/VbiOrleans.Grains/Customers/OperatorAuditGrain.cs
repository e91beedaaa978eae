using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Customers;

namespace VbiOrleans.Grains.Customers;

[GenerateSerializer]
public sealed class OperatorAuditState
{
    [Id(0)] public List<OperatorAuditEntry> Entries { get; set; } = [];
}

/// <summary>One UTC day of the operator audit log (see <see cref="IOperatorAuditGrain"/>).</summary>
public sealed class OperatorAuditGrain(
    [PersistentState(stateName: "operatorAudit", storageName: StorageNames.Membership)] IPersistentState<OperatorAuditState> day) : Grain, IOperatorAuditGrain
{
    public async Task Append(OperatorAuditEntry entry)
    {
        day.State.Entries.Add(entry);
        await day.WriteStateAsync();
    }

    public Task<IReadOnlyList<OperatorAuditEntry>> List() => Task.FromResult<IReadOnlyList<OperatorAuditEntry>>([.. day.State.Entries]);
}
