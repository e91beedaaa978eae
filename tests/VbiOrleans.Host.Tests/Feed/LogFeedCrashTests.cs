using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Tests.Durability;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Feed;

/// <summary>
/// Downstream of the log, whatever crashes: the customer history and the partners' webhooks follow the log through
/// the log feed, so a host SIGKILLed at any step of the print path after the module's commit, or a silo killed in a
/// storm of retried signed prints and refunds, leaves every logged transaction once in the history and once at the
/// partner. (Before the feed, a retry answered from the stored response skipped both.)
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class LogFeedCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_host_killed_at_each_step_after_the_module_commit_leaves_every_logged_transaction_once_downstream()
    {
        var world = await FeedWorld.CreateAsync("vbi_feed_kill");
        await using var receiver = world.Receiver;
        var armed = Path.Combine(Path.GetTempPath(), $"vbi-kill-{Guid.NewGuid():N}");
        var httpPort = FreePorts.Next();
        HostProcess? host = await HostEnvironment.StartAsync(httpPort, world.Environment(FaultPoints.Steps[0], armed));
        try
        {
            await world.CreatePartnerAsync(host.BaseAddress);
            var shopper = await world.NewShopperAsync(host.BaseAddress, 1_000_000);
            var printed = new List<string>();
            for (var i = 0; i < FaultPoints.Steps.Count; i++)
            {
                var step = FaultPoints.Steps[i];
                printed.Add((await shopper.Session.PrintAsync(new PrintOrder(400 + i, "94103", "FIRST-CLASS"))).IndiciumId!);

                // The print that crashes the host at this step: the client sees no answer.
                await File.WriteAllTextAsync(armed, step);
                var key = VbiClient.NewIdempotencyKey();
                var order = new PrintOrder(700 + i, "60601", "FIRST-CLASS");
                var lost = await Assert.ThrowsAsync<VbiApiException>(() => shopper.Session.PrintAsync(order, null, key));
                Assert.True(lost.IsTransportFailure || lost.Status >= 500, $"at {step} the print was answered {lost.Status} {lost.Code}");
                await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Assert.True(host.HasExited, $"the host did not die at {step}");
                Assert.False(File.Exists(armed), $"the fault point {step} was not reached");
                await host.DisposeAsync();
                host = null;

                // A new host on the same databases (armed at the next step); the client retries with the same key.
                var next = i + 1 < FaultPoints.Steps.Count ? FaultPoints.Steps[i + 1] : null;
                host = await HostEnvironment.StartAsync(httpPort, world.Environment(next, next is null ? null : armed));
                var retried = await shopper.Session.PrintAsync(order, null, key);
                printed.Add(retried.IndiciumId!);
                output.WriteLine($"{step}: killed, retried as {retried.IndiciumId} (sequence {retried.Sequence})");
            }
            await shopper.Session.RefundAsync(printed[0]);
            await shopper.Session.RefundAsync(printed[^1]);

            await world.AssertDownstreamOnceAsync(host.BaseAddress, [shopper]);
            // Every print acknowledged to the client is in the history (I3 seen from downstream).
            var history = await FeedWorld.HistoryAsync(shopper);
            Assert.Superset(printed.ToHashSet(), history.Where(e => e.IndiciumId is not null).Select(e => e.IndiciumId!).ToHashSet());
            Assert.Equal(printed.Count, history.Count(e => e.Kind == "print"));

            // The history is a projection of the log: lost, it comes back from the log, and only it (no webhook again).
            await host.DisposeAsync();
            host = null;
            var dropped = await LocalServices.ScalarAsync<long>(world.Database,
                "WITH d AS (DELETE FROM orleansstorage WHERE graintypestring ILIKE '%history%' RETURNING 1) SELECT count(*) FROM d");
            Assert.True(dropped > 0, "no history pages were stored");
            host = await HostEnvironment.StartAsync(httpPort, world.Environment());
            Assert.Empty(await FeedWorld.HistoryAsync(shopper));
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await AdminApp.RunAsync(["rebuild-history", "--server", host.BaseAddress.ToString(), "--operator", HostEnvironment.OperatorName],
                stdout, stderr, name => name == AdminApp.OperatorKeyVariable ? HostEnvironment.OperatorKey : null);
            Assert.True(exit == AdminExitCodes.Ok, stderr.ToString());
            Assert.Contains("history rebuilt from the transaction log", stdout.ToString(), StringComparison.Ordinal);
            await world.AssertDownstreamOnceAsync(host.BaseAddress, [shopper]);
            shopper.Session.Dispose();
            shopper.Client.Dispose();
        }
        catch (Exception) when (Dump(host))
        {
            throw;
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
            File.Delete(armed);
        }
    }

    private bool Dump(HostProcess? host)
    {
        if (host is not null) output.WriteLine(host.Transcript());
        return false;
    }
}
