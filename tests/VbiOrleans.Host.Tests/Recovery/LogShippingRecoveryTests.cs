using System.Text.Json;
using Azure.Storage.Blobs;
using VbiOrleans.Admin;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Log;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using VbiOrleans.TransactionLog.Segments;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// Shipping the log to the archive survives being cut off. A host killed while it ships leaves the segment it had
/// written in the write-once archive without having recorded it as shipped; the next ship must carry on after it,
/// not write an overlapping segment that would make the archive fail verification for good.
/// </summary>
[Collection(RecoveryCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class LogShippingRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_ship_cut_off_after_writing_its_segment_carries_on_after_it_and_the_archive_verifies()
    {
        await using var cluster = await RecoveryCluster.CreateAsync("rec-ship");
        // Only the ships this test asks for.
        cluster.Environment["Vbi__Log__ShipInterval"] = "01:00:00";
        await cluster.StartAsync();
        var workload = new MeterWorkload(() => cluster.Grains, cluster.ClusterId, seed: 7);
        await workload.AddOperationalMetersAsync(10, concurrency: 10);
        var shippedFirst = (await cluster.ShipLogAsync()).GetProperty("shipped").GetInt64();

        // More transactions, sealed but not shipped; then the segment a ship of them would write is put in the
        // archive, and nothing else: the state a ship killed after its segment upload leaves behind.
        await workload.RunMixedAsync(60, concurrency: 10);
        var sealedSize = await SealedSizeAsync(cluster);
        Assert.True(sealedSize > shippedFirst);
        var entries = (await LocalServices.RowsAsync(cluster.ModuleDatabase,
                "SELECT entry FROM vbi_log_entry WHERE leaf_index >= @start AND leaf_index < @end ORDER BY leaf_index", ("start", shippedFirst), ("end", sealedSize)))
            .Select(r => (byte[])r[0]!).ToList();
        Assert.Equal(sealedSize - shippedFirst, entries.Count);
        var archive = new BlobArchiveStore(new BlobContainerClient(LocalServices.ArchiveConnectionString, cluster.Container));
        var orphan = LogSealerGrain.SegmentName(shippedFirst, sealedSize);
        await archive.PutAsync(orphan, new LogSegment(shippedFirst, entries).Encode());

        // The log grows on, and the next ship covers it all.
        await workload.RunMixedAsync(40, concurrency: 10);
        var status = await cluster.ShipLogAsync();
        var segments = await archive.ListAsync(LogSealerGrain.SegmentsPrefix);
        output.WriteLine($"shipped {shippedFirst}, cut-off segment {orphan}, then shipped to {status.GetProperty("shipped").GetInt64()}: {string.Join(", ", segments)}");
        Assert.Contains(orphan, segments);
        Assert.Contains(LogSealerGrain.SegmentName(sealedSize, status.GetProperty("shipped").GetInt64()), segments);

        var (exit, stdout, stderr) = await RecoveryCluster.AdminAsync("verify-log", "--archive", LocalServices.ArchiveConnectionString, "--container", cluster.Container);
        output.WriteLine($"verify-log exited {exit}: {stdout.Trim()}");
        Assert.True(exit == AdminExitCodes.Ok, $"{stdout}\n{stderr}");
        Assert.Contains($"ok: {status.GetProperty("shipped").GetInt64()} entries", stdout);
    }

    /// <summary>Waits until the sealer has taken every appended record into the tree; returns the log's size.</summary>
    private static async Task<long> SealedSizeAsync(RecoveryCluster cluster)
    {
        using var http = cluster.Operator();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = JsonDocument.Parse(await http.GetStringAsync("/v1/operator/log")).RootElement;
            if (status.GetProperty("unsealed").GetInt64() == 0) return status.GetProperty("size").GetInt64();
            Assert.True(DateTime.UtcNow < deadline, $"the log was not sealed within 30 s: {status}");
            await Task.Delay(250);
        }
    }
}
