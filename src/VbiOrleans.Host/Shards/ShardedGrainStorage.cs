using Orleans.Storage;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Grains.Shards;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// The <c>postal</c> or <c>module</c> store when a shard map is set: the state of a grain keyed by a meter id (the
/// meter's PSD package, its module memory, its client session) goes to the database of the meter's bucket; every
/// other grain of the store (the meter pool, the module table, certificates, the system guard) stays in the store's
/// configured database, its home.
/// </summary>
public sealed class ShardedGrainStorage : IGrainStorage
{
    private readonly string _store;
    private readonly ShardMap _map;
    private readonly IGrainStorage _home;
    private readonly IGrainStorage[] _byBucket;

    /// <param name="byDatabase">The storage of each of the store's databases in the map, by database name.</param>
    public ShardedGrainStorage(string store, ShardMap map, IGrainStorage home, IReadOnlyDictionary<string, IGrainStorage> byDatabase)
    {
        _store = store;
        _map = map;
        _home = home;
        _byBucket = [.. Enumerable.Range(0, map.Buckets).Select(b => byDatabase[map.DatabaseOf(store, b).Name])];
    }

    /// <summary>The bucket of a grain keyed by a meter id, or null for the grains kept in the home database.</summary>
    private int? BucketOf(GrainId grainId)
    {
        if (grainId.TryGetGuidKey(out _, out _) || grainId.TryGetIntegerKey(out _, out _)) return null;
        var key = grainId.Key.ToString();
        return MeterId.TryParse(key, out _) ? _map.BucketOf(key!) : null;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RouteAsync(grainId, storage => storage.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RouteAsync(grainId, storage => storage.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RouteAsync(grainId, storage => storage.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>
    /// The call on the grain's database. A bucket's database that does not answer fails the call with
    /// <see cref="ShardUnavailableException"/>, naming the bucket, so callers tell an outage of some meters from a fault.
    /// </summary>
    private async Task RouteAsync(GrainId grainId, Func<IGrainStorage, Task> call)
    {
        if (BucketOf(grainId) is not { } bucket)
        {
            await call(_home);
            return;
        }
        try
        {
            await call(_byBucket[bucket]);
        }
        catch (Exception e) when (e is not ShardUnavailableException && ShardUnavailableException.IsUnreachable(e))
        {
            throw new ShardUnavailableException(_store, bucket, _map.DatabaseOf(_store, bucket).Name, e);
        }
    }
}
