using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Grains.Meters;

[GenerateSerializer]
public sealed class MeterNumberState
{
    [Id(0)] public long Last { get; set; }
}

/// <inheritdoc cref="IMeterNumberGrain"/>
public sealed class MeterNumberGrain(
    [PersistentState(stateName: "meterNumbers", storageName: StorageNames.Postal)] IPersistentState<MeterNumberState> numbers) : Grain, IMeterNumberGrain
{
    public async Task<long> Next()
    {
        numbers.State.Last++;
        // Written before it is handed out: a crash after this write skips the number, it never repeats it.
        await numbers.WriteStateAsync();
        return numbers.State.Last;
    }
}
