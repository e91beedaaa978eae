using System.Net;
using System.Text.Json;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Admin;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// The postal database lost, rebuilt from the archived snapshot plus the log after it: the snapshot is restored with
/// <c>vbi-admin restore-snapshot</c> while the host is down, then <c>vbi-admin recover</c> rolls every meter forward.
/// </summary>
[Collection(RecoveryCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class SnapshotRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_archived_snapshot_plus_the_log_rebuild_a_lost_postal_database_exactly()
    {
        const int meters = 40;
        await using var cluster = await RecoveryCluster.CreateAsync("rec-snap");
        await cluster.StartAsync();
        var workload = new MeterWorkload(() => cluster.Grains, cluster.ClusterId, Environment.TickCount);
        await workload.AddOperationalMetersAsync(meters, concurrency: 16);
        await workload.RunMixedAsync(800, concurrency: 32);

        using var http = cluster.Operator();
        using var taken = await http.PostAsync("/v1/operator/snapshots", null);
        var manifest = JsonDocument.Parse(await taken.Content.ReadAsStringAsync()).RootElement;
        Assert.True(taken.StatusCode == HttpStatusCode.OK, manifest.ToString());
        var postalRows = manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("store").GetString() == "postal").GetProperty("rows").GetInt64();
        Assert.True(postalRows >= meters, manifest.ToString());
        output.WriteLine($"snapshot {manifest.GetProperty("name").GetString()}: {postalRows} postal rows, log size {manifest.GetProperty("logSize").GetInt64()}");

        await workload.RunMixedAsync(800, concurrency: 32);
        var recorded = new Dictionary<string, MeterAudit>();
        foreach (var m in workload.Meters) recorded[m.Id] = await cluster.Grains.GetGrain<IMeterGrain>(m.Id).Audit();

        await cluster.KillHostAsync();
        var wiped = await cluster.PostalAsync("DELETE FROM OrleansStorage");
        var (restoreExit, restoreOut, restoreErr) = await RecoveryCluster.AdminAsync("restore-snapshot", "--archive", LocalServices.ArchiveConnectionString,
            "--container", cluster.Container, "--postal", LocalServices.ConnectionString(cluster.PostalDatabase));
        Assert.True(restoreExit == AdminExitCodes.Ok, $"restore-snapshot exited {restoreExit}\n{restoreOut}\n{restoreErr}");
        Assert.Equal(postalRows, await LocalServices.ScalarAsync<long>(cluster.PostalDatabase, "SELECT count(*) FROM OrleansStorage"));
        output.WriteLine($"postal store wiped ({wiped} rows), snapshot restored: {restoreOut.Trim()}");

        await cluster.StartAsync();
        await cluster.ShipLogAsync();
        var (exit, stdout, stderr) = await cluster.RecoverAsync();
        Assert.True(exit == AdminExitCodes.Ok, $"vbi-admin recover exited {exit}\n{stdout}\n{stderr}\n{cluster.Transcript()}");

        var mismatches = new List<string>();
        foreach (var m in workload.Meters)
        {
            var before = recorded[m.Id];
            var after = await cluster.Grains.GetGrain<IMeterGrain>(m.Id).Audit();
            if (before.Registers != after.Registers || before.PostalCheckpoint?.Sequence != after.PostalCheckpoint?.Sequence
                || before.TotalDownloadedMills != after.TotalDownloadedMills || before.TotalWithdrawnMills != after.TotalWithdrawnMills)
                mismatches.Add($"{m.Id}: before {before.Registers}, after {after.Registers}");
        }
        output.WriteLine($"{stdout.Trim()}; register mismatches against the state before the loss: {mismatches.Count} of {meters}");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(10)));
    }

    [Fact]
    public async Task A_snapshot_whose_file_was_changed_is_not_restored()
    {
        await using var cluster = await RecoveryCluster.CreateAsync("rec-snapbad");
        await cluster.StartAsync();
        var workload = new MeterWorkload(() => cluster.Grains, cluster.ClusterId, 7);
        await workload.AddOperationalMetersAsync(3, concurrency: 3);
        using var http = cluster.Operator();
        using var taken = await http.PostAsync("/v1/operator/snapshots", null);
        var manifest = JsonDocument.Parse(await taken.Content.ReadAsStringAsync()).RootElement;
        var postal = manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("store").GetString() == "postal");
        await cluster.KillHostAsync();

        // The archive container is write-once for the service; an attacker with storage access overwrites the blob.
        var container = new Azure.Storage.Blobs.BlobContainerClient(LocalServices.ArchiveConnectionString, cluster.Container);
        var blob = container.GetBlobClient(postal.GetProperty("object").GetString());
        var bytes = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        bytes[bytes.Length / 2] ^= 1;
        await blob.UploadAsync(new BinaryData(bytes), overwrite: true);
        var before = await LocalServices.ScalarAsync<long>(cluster.PostalDatabase, "SELECT count(*) FROM OrleansStorage");

        var (exit, _, stderr) = await RecoveryCluster.AdminAsync("restore-snapshot", "--archive", LocalServices.ArchiveConnectionString,
            "--container", cluster.Container, "--postal", LocalServices.ConnectionString(cluster.PostalDatabase));
        Assert.Equal(AdminExitCodes.LogTampered, exit);
        Assert.Contains("does not match the digest", stderr);
        Assert.Equal(before, await LocalServices.ScalarAsync<long>(cluster.PostalDatabase, "SELECT count(*) FROM OrleansStorage"));
    }
}
