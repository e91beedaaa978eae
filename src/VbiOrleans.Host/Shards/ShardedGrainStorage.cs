using Orleans.Storage;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Shards;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// The <c>postal</c> or <c>module</c> store when a shard map is set: the state of a grain keyed by a meter id (the
/// meter's PSD package, its module memory, its client session) goes to the database of the meter's bucket; every
/// other grain of the store (the meter pool, the module table, certificates, the system guard) stays in the store's
/// configured database, its home.
/// </summary>
public sealed class ShardedGrainStorage : IGrainStorage
{
    private readonly ShardMap _map;
    private readonly IGrainStorage _home;
    private readonly IGrainStorage[] _byBucket;

    /// <param name="byDatabase">The storage of each of the store's databases in the map, by database name.</param>
    public ShardedGrainStorage(string store, ShardMap map, IGrainStorage home, IReadOnlyDictionary<string, IGrainStorage> byDatabase)
    {
        _map = map;
        _home = home;
        _byBucket = [.. Enumerable.Range(0, map.Buckets).Select(b => byDatabase[map.DatabaseOf(store, b).Name])];
    }

    /// <summary>The storage of a grain: its meter's bucket's database, or the home database for grains not keyed by a meter.</summary>
    private IGrainStorage For(GrainId grainId)
    {
        if (grainId.TryGetGuidKey(out _, out _) || grainId.TryGetIntegerKey(out _, out _)) return _home;
        var key = grainId.Key.ToString();
        return MeterId.TryParse(key, out _) ? _byBucket[_map.BucketOf(key!)] : _home;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => For(grainId).ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => For(grainId).WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => For(grainId).ClearStateAsync(stateName, grainId, grainState);
}
