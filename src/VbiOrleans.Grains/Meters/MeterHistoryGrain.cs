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
    public async Task Record(IReadOnlyList<HistoryEntry> entries)
    {
        var changed = false;
        foreach (var entry in entries)
        {
            var index = page.State.Entries.FindIndex(e => e.Sequence == entry.Sequence);
            if (index >= 0)
            {
                if (Same(page.State.Entries[index], entry)) continue; // delivered again by the log feed
                page.State.Entries[index] = entry;
            }
            else
            {
                page.State.Entries.Add(entry);
            }
            changed = true;
        }
        if (!changed) return;
        page.State.Entries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        await page.WriteStateAsync();
    }

    private static bool Same(HistoryEntry a, HistoryEntry b) =>
        a with { Indicium = null } == b with { Indicium = null } && (a.Indicium ?? []).AsSpan().SequenceEqual(b.Indicium ?? []);

    public Task<IReadOnlyList<HistoryEntry>> List() =>
        Task.FromResult<IReadOnlyList<HistoryEntry>>([.. Enumerable.Reverse(page.State.Entries)]);
}
