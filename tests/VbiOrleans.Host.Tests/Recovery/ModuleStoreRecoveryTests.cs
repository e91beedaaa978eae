using System.Text.Json;
using Npgsql;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Admin;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// Both databases lost: the postal store and the module store (module memory and the transaction log). Everything
/// comes back from the archive alone: the daily snapshot of both stores, and the archived log with its wrapped key.
/// </summary>
[Collection(RecoveryCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class ModuleStoreRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_snapshot_and_the_archived_log_rebuild_lost_postal_and_module_databases_exactly()
    {
        const int meters = 30;
        await using var cluster = await RecoveryCluster.CreateAsync("rec-mod");
        await cluster.StartAsync();
        var workload = new MeterWorkload(() => cluster.Grains, cluster.ClusterId, Environment.TickCount);
        await workload.AddOperationalMetersAsync(meters, concurrency: 16);
        await workload.RunMixedAsync(600, concurrency: 32);

        using (var http = cluster.Operator())
        {
            using var taken = await http.PostAsync("/v1/operator/snapshots", null);
            Assert.True(taken.IsSuccessStatusCode, await taken.Content.ReadAsStringAsync());
        }
        await cluster.ShipLogAsync();
        // After the snapshot: what only the archived log knows.
        await workload.RunMixedAsync(600, concurrency: 32);
        var shipped = await cluster.ShipLogAsync();
        var recorded = new Dictionary<string, MeterAudit>();
        foreach (var m in workload.Meters) recorded[m.Id] = await cluster.Grains.GetGrain<IMeterGrain>(m.Id).Audit();

        await cluster.KillHostAsync();
        // The last ship was cut off before it wrote its checkpoint: its segments are archived, no checkpoint covers them.
        var archive = new Azure.Storage.Blobs.BlobContainerClient(LocalServices.ArchiveConnectionString, cluster.Container);
        var notes = new List<string>();
        await foreach (var blob in archive.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "log/checkpoints/", CancellationToken.None)) notes.Add(blob.Name);
        Assert.True(notes.Count >= 2, $"the test needs at least two shipped checkpoints, the archive has {notes.Count}");
        var cut = notes.Order(StringComparer.Ordinal).Last();
        await archive.DeleteBlobAsync(cut);
        await ResetDatabaseAsync(cluster.PostalDatabase);
        await ResetDatabaseAsync(cluster.ModuleDatabase);
        output.WriteLine($"postal and module databases lost; the archive holds {shipped.GetProperty("shipped").GetInt64()} log entries, the last ship's checkpoint {cut} is gone");

        // A host started on the new, empty module database beside the archive of the old one refuses, naming the recovery.
        await using (var refused = HostProcess.Start(cluster.Environment))
        {
            var exit = await refused.WaitForExitAsync(TimeSpan.FromSeconds(90));
            Assert.True(exit == 3, $"the host started on a lost module database (exit {exit})\n{refused.Transcript()}");
            Assert.Contains(refused.Errors, line => line.Contains("holds no transaction log", StringComparison.Ordinal)
                && line.Contains("restore-snapshot --module", StringComparison.Ordinal));
        }

        var (restoreExit, restoreOut, restoreErr) = await RecoveryCluster.AdminAsync("restore-snapshot", "--archive", LocalServices.ArchiveConnectionString,
            "--container", cluster.Container, "--postal", LocalServices.ConnectionString(cluster.PostalDatabase),
            "--module", LocalServices.ConnectionString(cluster.ModuleDatabase));
        Assert.True(restoreExit == AdminExitCodes.Ok, $"restore-snapshot exited {restoreExit}\n{restoreOut}\n{restoreErr}");
        output.WriteLine(restoreOut.Trim());

        // Restoring twice is refused: the module database's log is no longer empty.
        var (againExit, _, againErr) = await RecoveryCluster.AdminAsync("restore-snapshot", "--archive", LocalServices.ArchiveConnectionString,
            "--container", cluster.Container, "--module", LocalServices.ConnectionString(cluster.ModuleDatabase));
        Assert.Equal(AdminExitCodes.Refused, againExit);
        Assert.Contains("already holds", againErr);

        await cluster.StartAsync();
        var (exitCode, stdout, stderr) = await cluster.RecoverAsync();
        Assert.True(exitCode == AdminExitCodes.Ok, $"vbi-admin recover exited {exitCode}\n{stdout}\n{stderr}\n{cluster.Transcript()}");

        var mismatches = new List<string>();
        foreach (var m in workload.Meters)
        {
            var before = recorded[m.Id];
            var after = await cluster.Grains.GetGrain<IMeterGrain>(m.Id).Audit();
            if (before.Registers != after.Registers || before.PostalCheckpoint?.Sequence != after.PostalCheckpoint?.Sequence
                || before.TotalDownloadedMills != after.TotalDownloadedMills || before.TotalRefundedMills != after.TotalRefundedMills
                || !before.ModuleMemory.Select(c => c.Sequence).SequenceEqual(after.ModuleMemory.Select(c => c.Sequence))
                || after.InhibitReason is not null)
                mismatches.Add($"{m.Id}: before {before.Registers} memory [{string.Join(",", before.ModuleMemory.Select(c => c.Sequence))}], " +
                    $"after {after.Registers} memory [{string.Join(",", after.ModuleMemory.Select(c => c.Sequence))}] {after.InhibitReason}");
        }
        output.WriteLine($"{stdout.Trim()}; mismatches (registers, totals, module memory) against the state before the loss: {mismatches.Count} of {meters}");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(10)));

        // The service carries on, and the log continues the archived one: new entries ship, and the whole archive verifies.
        await workload.RunMixedAsync(200, concurrency: 16);
        var continued = await cluster.ShipLogAsync();
        Assert.True(continued.GetProperty("size").GetInt64() > shipped.GetProperty("size").GetInt64(), continued.ToString());
        var (verifyExit, verifyOut, verifyErr) = await RecoveryCluster.AdminAsync("verify-log", "--archive", LocalServices.ArchiveConnectionString,
            "--container", cluster.Container, "--verifier-key", shipped.GetProperty("verifierKey").GetString()!);
        Assert.True(verifyExit == AdminExitCodes.Ok, $"verify-log exited {verifyExit}\n{verifyOut}\n{verifyErr}");
        Assert.Contains($"verified size {continued.GetProperty("size").GetInt64()}", verifyOut);
        output.WriteLine($"after 200 more transactions: {verifyOut.Trim()}");
    }

    /// <summary>A lost database, as a new one is: nothing in it (the host's start-up or init-db lays the schema again).</summary>
    private static async Task ResetDatabaseAsync(string database)
    {
        await using var connection = new NpgsqlConnection(LocalServices.ConnectionString(database));
        await connection.OpenAsync();
        await using var reset = new NpgsqlCommand("DROP SCHEMA public CASCADE; CREATE SCHEMA public;", connection);
        await reset.ExecuteNonQueryAsync();
    }
}
