using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Modules;

namespace VbiOrleans.Grains.Modules;

[GenerateSerializer]
public sealed class ModuleTableState
{
    [Id(0)] public List<string> Serials { get; set; } = [];
}

/// <summary>
/// The index of registered modules. The rows themselves live in one grain per module, so recording a transaction
/// touches only that module's row; this grain changes only when a module is registered.
/// </summary>
public sealed class ModuleTableGrain(
    [PersistentState(stateName: "moduleTable", storageName: StorageNames.Postal)] IPersistentState<ModuleTableState> table)
    : Grain, IModuleTableGrain
{
    public async Task Add(string serial)
    {
        var index = table.State.Serials.BinarySearch(serial, StringComparer.Ordinal);
        if (index >= 0) return;
        table.State.Serials.Insert(~index, serial);
        try
        {
            await table.WriteStateAsync();
        }
        catch
        {
            table.State.Serials.Remove(serial);
            throw;
        }
    }

    public Task<IReadOnlyList<string>> Serials() => Task.FromResult<IReadOnlyList<string>>([.. table.State.Serials]);

    public async Task<IReadOnlyList<ModuleTableRow>> List()
    {
        var rows = await Task.WhenAll(table.State.Serials.Select(serial =>
            GrainFactory.GetGrain<ICryptoModuleGrain>(ModuleSerial.Parse(serial).GrainKey).Get()));
        return [.. rows.OfType<ModuleTableRow>()];
    }
}
