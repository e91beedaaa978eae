using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Grains.Meters;

[GenerateSerializer]
public sealed class MeterHistoryState
{
    [Id(0)] public List<HistoryEntry> Entries { get; set; } = [];
}

/// <summary>One page (100 sequences) of a meter's customer-facing history; see <see cref="IMeterHistoryGrain"/>.</summary>
public sealed class MeterHistoryGrain(
    [PersistentState(stateName: "meterHistory", storageName: StorageNames.Commerce)] IPersistentState<MeterHistoryState> page) : Grain, IMeterHistoryGrain
{
    public async Task Record(HistoryEntry entry)
    {
        var index = page.State.Entries.FindIndex(e => e.Sequence == entry.Sequence);
        if (index >= 0)
        {
            if (page.State.Entries[index].Kind == entry.Kind) return; // the same transaction, written again by a retried request
            page.State.Entries[index] = entry;
        }
        else
        {
            page.State.Entries.Add(entry);
            page.State.Entries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        }
        await page.WriteStateAsync();
    }

    public Task<IReadOnlyList<HistoryEntry>> List() =>
        Task.FromResult<IReadOnlyList<HistoryEntry>>([.. Enumerable.Reverse(page.State.Entries)]);
}
