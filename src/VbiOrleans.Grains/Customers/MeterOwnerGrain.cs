using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Customers;

namespace VbiOrleans.Grains.Customers;

[GenerateSerializer]
public sealed class MeterOwnerState
{
    [Id(0)] public string? CustomerId { get; set; }
}

/// <summary>A meter's customer (see <see cref="IMeterOwnerGrain"/>).</summary>
public sealed class MeterOwnerGrain(
    [PersistentState(stateName: "meterOwner", storageName: StorageNames.Commerce)] IPersistentState<MeterOwnerState> owner) : Grain, IMeterOwnerGrain
{
    public async Task<string> Claim(string customerId)
    {
        if (owner.State.CustomerId is { } existing) return existing;
        owner.State.CustomerId = customerId;
        await owner.WriteStateAsync();
        return customerId;
    }

    public Task<string?> Owner() => Task.FromResult(owner.State.CustomerId);
}
