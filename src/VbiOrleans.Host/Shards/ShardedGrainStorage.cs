using Npgsql;
using Orleans.Storage;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Grains.Shards;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// The <c>postal</c> or <c>module</c> store when a shard map is set: the state of a grain keyed by a meter id (the
/// meter's PSD package, its module memory, its client session) goes to the database of the meter's bucket in the map
/// this silo routes by now (<see cref="LiveShardMap"/>); every other grain of the store (the meter pool, the module
/// table, certificates, the system guard) stays in the store's configured database, its home.
/// </summary>
/// <remarks>
/// While a move copies a bucket, its old database refuses the bucket's writes (the fence of infra/sql/46-shard-moves.sql,
/// checked in the write's own transaction): a write waits, reading the map again, and goes to the bucket's new database
/// once the map switches it, or fails after <see cref="MaxMoveWait"/> with <see cref="ShardBucketMovingException"/>.
/// A write refused because the bucket has moved (this silo's map was behind) reads the map and goes to the new
/// database at once; a read that finds no row reads the map again and, if the bucket moved, reads the new database.
/// </remarks>
public sealed class ShardedGrainStorage(string store, IGrainStorage home, LiveShardMap live, ShardStores stores) : IGrainStorage
{
    /// <summary>How long a write of a moving bucket's meter waits for the move before it fails (retryable, 503).</summary>
    public static readonly TimeSpan MaxMoveWait = TimeSpan.FromSeconds(5);

    /// <summary>Between two tries of a write the fence refused.</summary>
    public static readonly TimeSpan FencedRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>A read that finds no row reads the map again unless it was read this recently.</summary>
    public static readonly TimeSpan ReadRefreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>SQLSTATE of the fence: the bucket is being copied (wait), or has moved (read the map).</summary>
    public const string FencedState = "VBF01";
    public const string MovedState = "VBM01";

    private static string? MeterOf(GrainId grainId)
    {
        if (grainId.TryGetGuidKey(out _, out _) || grainId.TryGetIntegerKey(out _, out _)) return null;
        var key = grainId.Key.ToString();
        return MeterId.TryParse(key, out _) ? key : null;
    }

    private string DatabaseOf(string meter)
    {
        var map = live.Map;
        return map.DatabaseOf(store, map.BucketOf(meter)).Name;
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (MeterOf(grainId) is not { } meter)
        {
            await home.ReadStateAsync(stateName, grainId, grainState);
            return;
        }
        var database = DatabaseOf(meter);
        await Reaching(meter, database, async () => await (await stores.ForAsync(store, database)).ReadStateAsync(stateName, grainId, grainState));
        if (grainState.RecordExists) return;
        // No row: perhaps the bucket moved and this silo's map is behind (a new meter's first reads come here too, so a
        // map read of the last ReadRefreshInterval serves them all).
        await live.RefreshAsync(LiveShardMap.Now() - (long)ReadRefreshInterval.TotalMilliseconds);
        var now = DatabaseOf(meter);
        if (now != database) await Reaching(meter, now, async () => await (await stores.ForAsync(store, now)).ReadStateAsync(stateName, grainId, grainState));
    }

    /// <summary>
    /// A call on a bucket's database. One that does not answer fails the call with <see cref="ShardUnavailableException"/>,
    /// naming the bucket, so callers tell an outage of some meters from a fault.
    /// </summary>
    private async Task Reaching(string meter, string database, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception e) when (e is not ShardUnavailableException && ShardUnavailableException.IsUnreachable(e))
        {
            throw new ShardUnavailableException(store, live.Map.BucketOf(meter), database, e);
        }
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        MeterOf(grainId) is { } meter
            ? FencedAsync(meter, storage => storage.WriteStateAsync(stateName, grainId, grainState))
            : home.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        MeterOf(grainId) is { } meter
            ? FencedAsync(meter, storage => storage.ClearStateAsync(stateName, grainId, grainState))
            : home.ClearStateAsync(stateName, grainId, grainState);

    private async Task FencedAsync(string meter, Func<IGrainStorage, Task> write)
    {
        var deadline = Environment.TickCount64 + (long)MaxMoveWait.TotalMilliseconds;
        while (true)
        {
            var database = DatabaseOf(meter);
            var asked = LiveShardMap.Now();
            try
            {
                await Reaching(meter, database, async () => await write(await stores.ForAsync(store, database)));
                return;
            }
            catch (Exception e) when (FenceOf(e) is { } state)
            {
                if (Environment.TickCount64 >= deadline)
                    throw new ShardBucketMovingException($"the {store} bucket of meter {meter} is moving from database '{database}' and did not finish within {MaxMoveWait.TotalSeconds:0} s");
                await live.RefreshAsync(asked);
                // Fenced, or moved while this host cannot route by the newer map yet: wait before the next try. Moved and
                // now routed elsewhere: at once.
                if (state == FencedState || DatabaseOf(meter) == database) await Task.Delay(FencedRetryDelay);
            }
        }
    }

    /// <summary>The fence's SQLSTATE when the write was refused by it (directly, or inside Orleans' provider's exception).</summary>
    private static string? FenceOf(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: FencedState or MovedState } refused) return refused.SqlState;
        }
        return null;
    }
}

/// <summary>A write of a meter whose bucket is moving waited its bound; the request may be retried (ErrorCode.ShardBucketMoving, 503).</summary>
public sealed class ShardBucketMovingException(string message) : Exception(message)
{
    /// <summary>This exception in a failure's chain (a grain call's failure may wrap it), or null.</summary>
    public static ShardBucketMovingException? In(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is ShardBucketMovingException moving) return moving;
        }
        return null;
    }
}
