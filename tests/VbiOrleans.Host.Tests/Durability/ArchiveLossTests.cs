using System.Text.Json;
using Azure.Storage.Blobs;
using VbiOrleans.Admin;
using VbiOrleans.Grains.Log;
using VbiOrleans.Testing;
using Xunit.Abstractions;

using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Durability;

/// <summary>
/// An archive that forgets writes it acknowledged: an unplanned storage failover drops what was not replicated yet,
/// and Azurite SIGKILLed forgets what it wrote since it last saved its index (every 5 s). The sealer must not go on
/// from the size it recorded as shipped, which would leave a hole in the archive for good (I6: the archive and the
/// last snapshot must rebuild everything), but ship the lost entries again.
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class ArchiveLossTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Entries_the_archive_acknowledged_and_then_lost_are_shipped_again_and_the_archive_verifies()
    {
        var container = "vbi-loss-" + Guid.NewGuid().ToString("N")[..8];
        var cluster = await DurabilityCluster.StartAsync("vbi_dur_loss", new Dictionary<string, string?>
        {
            ["Vbi__Archive__Container"] = container,
            // Only the ships this test asks for.
            ["Vbi__Log__ShipInterval"] = "01:00:00",
        });
        var passed = false;
        try
        {
            var meters = await cluster.FundedMetersAsync(3, 100_000);
            using var http = new PrintClient(cluster.Host.BaseAddress);
            var first = await PrintAndShipAsync(http, meters);
            var second = await PrintAndShipAsync(http, meters);
            Assert.True(second > first);

            // The archive loses the last ship: its segment and its checkpoint.
            var blobs = new BlobContainerClient(LocalServices.ArchiveConnectionString, container);
            var lostSegment = LogSealerGrain.SegmentName(first, second);
            Assert.True((await blobs.GetBlobClient(lostSegment).DeleteIfExistsAsync()).Value, $"{lostSegment} was not in the archive");
            Assert.True((await blobs.GetBlobClient(LogSealerGrain.CheckpointName(second)).DeleteIfExistsAsync()).Value);

            var third = await PrintAndShipAsync(http, meters);
            var segments = new List<string>();
            await foreach (var blob in blobs.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = LogSealerGrain.SegmentsPrefix }))
                segments.Add(blob.Name);
            Assert.Contains(LogSealerGrain.SegmentName(first, third), segments);
            Assert.DoesNotContain(LogSealerGrain.SegmentName(second, third), segments);

            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await AdminApp.RunAsync(["verify-log", "--archive", LocalServices.ArchiveConnectionString, "--container", container, "--json"],
                stdout, stderr, _ => null);
            Assert.True(exit == AdminExitCodes.Ok, $"I6 the log rebuilds everything: vbi-admin verify-log exited {exit} after the archive lost a ship: {stdout}{stderr}");
            Assert.Equal(third, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("entriesChecked").GetInt64());
            Assert.Contains(cluster.Host.Output, l => l.Contains("no longer holds the checkpoint of the last ship", StringComparison.Ordinal));

            output.WriteLine($"shipped {first}, then {second}; the archive lost [{first}, {second}); the next ship wrote [{first}, {third}); " +
                $"verify-log: {third} entries, lost: 0");
            passed = true;
        }
        finally
        {
            if (!passed) output.WriteLine(cluster.Host.Transcript());
            await cluster.StopAsync(dropDatabase: passed);
        }
    }

    /// <summary>Prints once on every meter, ships, and returns the shipped size (which is then the whole log).</summary>
    private static async Task<long> PrintAndShipAsync(PrintClient http, IReadOnlyList<string> meters)
    {
        foreach (var meterId in meters)
        {
            var print = await http.PrintAsync(meterId, DurabilityCluster.Key(), 730);
            Assert.True(print.Outcome == PrintOutcome.Acknowledged, $"{print.Outcome}: {print.Detail}");
        }
        var status = await http.PostJsonAsync("/v1/operator/log/ship", null);
        Assert.True(status.GetProperty("lastShipError").ValueKind == JsonValueKind.Null, $"shipping failed: {status}");
        return status.GetProperty("shipped").GetInt64();
    }
}
