using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace VbiOrleans.Host.Hosting;

/// <summary>
/// The Local profile's grain storage: this process's memory, with the same contract as a database store. A write
/// names the version (ETag) it read and fails with <see cref="InconsistentStateException"/> if another write came
/// first. The store keeps its own deep copy of what was written (Orleans' copier, the code that copies grain call
/// arguments) and hands out copies of it, so a grain that changes its state object after writing changes nothing
/// stored, as with a database. Copying costs less than serializing, which this store did before (docs/performance.md).
/// Orleans' own memory storage does the same through storage grains, which costs a grain call and a copy of the
/// state per write; with one silo in the Local profile, there is nothing for those grains to share.
/// </summary>
public sealed class LocalGrainStorage(string name, DeepCopier copier) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string State, GrainId Grain), Stored> _rows = new();

    /// <summary>A written state (null once cleared) and its version. The state object is never given out.</summary>
    private sealed record Stored(object? Data, long Version);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_rows.TryGetValue((stateName, grainId), out var stored))
        {
            grainState.State = stored.Data is null ? Activator.CreateInstance<T>() : copier.Copy((T)stored.Data);
            grainState.ETag = ETagOf(stored.Version);
            grainState.RecordExists = stored.Data is not null;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var version = Replace(stateName, grainId, grainState.ETag, copier.Copy(grainState.State) ?? throw new ArgumentException($"grain {grainId} wrote a null state"));
        grainState.ETag = ETagOf(version);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var version = Replace(stateName, grainId, grainState.ETag, null);
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = ETagOf(version);
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>Stores <paramref name="data"/> if the stored version is still <paramref name="expected"/>; the new version.</summary>
    private long Replace(string stateName, GrainId grainId, string? expected, object? data)
    {
        var key = (stateName, grainId);
        while (true)
        {
            if (!_rows.TryGetValue(key, out var current))
            {
                if (expected is not null) throw Conflict(grainId, expected, "none");
                if (_rows.TryAdd(key, new Stored(data, 1))) return 1;
                continue;
            }
            if (expected != ETagOf(current.Version)) throw Conflict(grainId, expected, ETagOf(current.Version));
            var next = new Stored(data, current.Version + 1);
            if (_rows.TryUpdate(key, next, current)) return next.Version;
        }
    }

    private InconsistentStateException Conflict(GrainId grainId, string? expected, string stored) =>
        new($"grain {grainId} in store '{name}': the write expected version {expected ?? "none"}, the store has {stored}", stored, expected ?? "none");

    private static string ETagOf(long version) => version.ToString(CultureInfo.InvariantCulture);
}
