using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Archive;

namespace VbiOrleans.Grains.Log;

/// <summary>
/// Takes the daily snapshot of the <c>postal</c> and <c>module</c> stores: each store's rows of this service, copied
/// in one database snapshot, written to the archive, then the same for each database of the shard map, and then a
/// manifest naming them with their digests and the home log's size at the time (the manifest is written last, so a
/// snapshot without one is incomplete and ignored).
/// </summary>
public sealed class SnapshotGrain(
    IServiceProvider services,
    TransactionLog log,
    IArchiveStore archive,
    IOptions<LogOptions> options,
    IOptions<ClusterOptions> cluster,
    TimeProvider clock,
    ILogger<SnapshotGrain> logger) : Grain, ISnapshotGrain, IRemindable
{
    private static readonly string[] Stores = [StorageNames.Postal, StorageNames.Module];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<SnapshotSources>() is null) return;
        var period = options.Value.SnapshotInterval < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : options.Value.SnapshotInterval;
        await this.RegisterOrUpdateReminder("snapshot", period, period);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        try
        {
            if (await Take() is { IsSuccess: false } refused) logger.LogError("The scheduled snapshot was not taken: {Reason}", refused.Message);
        }
        catch (Exception e)
        {
            logger.LogError("The scheduled snapshot failed; the next one retries: {Error}", e.Message);
        }
    }

    public Task Schedule() => Task.CompletedTask;

    public async Task<SnapshotTaken> Take()
    {
        if (services.GetService<SnapshotSources>() is not { } sources)
            return new SnapshotTaken(ErrorCode.ValidationFailed, "snapshots need the Cluster profile: the Local profile keeps nothing durable to copy", null, null);
        var now = clock.GetUtcNow();
        var name = StoreSnapshots.NameFor(now);
        var logSize = (await log.Store.LatestCheckpointAsync())?.Size ?? 0;
        var files = new List<SnapshotFile>();
        foreach (var (store, connectionString) in Stores.Select(s => (s, sources.ByStore[s])).Concat(sources.ByShard.Select(kv => (kv.Key, kv.Value))))
        {
            var (content, rows) = await StoreSnapshots.ExportAsync(connectionString, cluster.Value.ServiceId);
            var objectName = StoreSnapshots.ObjectName(name, $"{store}.pgcopy");
            await archive.PutAsync(objectName, content);
            files.Add(new SnapshotFile(store, objectName, rows, StoreSnapshots.Digest(content)));
        }
        var manifest = new SnapshotManifest(name, cluster.Value.ServiceId, now, logSize, files);
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, StoreSnapshots.Json);
        await archive.PutAsync(StoreSnapshots.ObjectName(name, StoreSnapshots.ManifestFile), manifestBytes);
        logger.LogInformation("Snapshot {Name} of the postal and module stores archived to {Archive}: {Files} files, {Rows} rows, home log size {LogSize}",
            name, archive.Description, files.Count, files.Sum(f => f.Rows), logSize);
        return new SnapshotTaken(ErrorCode.None, null, name, manifestBytes);
    }
}
