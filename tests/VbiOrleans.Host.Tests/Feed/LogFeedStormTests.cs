using System.Collections.Concurrent;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Durability;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Feed;

/// <summary>
/// Two hosts of one cluster, customers printing and refunding through the SDK with retries (same bytes, same key),
/// and one host SIGKILLed in the middle: the clients of the dead host carry on through the other, and afterwards every
/// logged transaction is in the history once and reached the partner once, in order per meter.
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class LogFeedStormTests(ITestOutputHelper output)
{
    private const int Shoppers = 4;
    private static readonly TimeSpan BeforeKill = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_silo_killed_in_a_storm_of_retried_signed_prints_and_refunds_leaves_every_logged_transaction_once_downstream()
    {
        var world = await FeedWorld.CreateAsync("vbi_feed_storm");
        await using var receiver = world.Receiver;
        var hosts = await Task.WhenAll(HostEnvironment.StartAsync(FreePorts.Next(), world.Environment()), HostEnvironment.StartAsync(FreePorts.Next(), world.Environment()));
        var (a, b) = (hosts[0], hosts[1]);
        try
        {
            await world.CreatePartnerAsync(a.BaseAddress);
            var shoppers = new List<Shopper>();
            for (var i = 0; i < Shoppers; i++) shoppers.Add(await world.NewShopperAsync(i % 2 == 0 ? a.BaseAddress : b.BaseAddress, 1_000_000));

            var stop = new CancellationTokenSource();
            var acknowledged = new ConcurrentBag<string>();
            var failedOver = 0;
            var workers = shoppers.Select((shopper, w) => Task.Run(async () =>
            {
                var current = shopper;
                var random = new Random(w);
                var unrefunded = new List<string>();
                while (!stop.IsCancellationRequested)
                {
                    var refund = unrefunded.Count > 0 && random.Next(3) == 0;
                    var key = VbiClient.NewIdempotencyKey();
                    var postage = random.Next(100, 2_000);
                    var target = refund ? unrefunded[random.Next(unrefunded.Count)] : null;
                    var deadline = DateTime.UtcNow + RetryFor;
                    while (true)
                    {
                        try
                        {
                            // A retry sends the very same signed bytes with the same key: the chain moves only on an answer.
                            var result = target is not null
                                ? await current.Session.RefundAsync(target, key)
                                : await current.Session.PrintAsync(new PrintOrder(postage, "94103", "FIRST-CLASS"), null, key);
                            if (target is not null) unrefunded.Remove(target);
                            else unrefunded.Add(result.IndiciumId!);
                            acknowledged.Add($"{current.MeterId}/{result.Sequence}");
                            break;
                        }
                        catch (VbiApiException e) when ((e.IsTransportFailure || e.Status >= 500) && DateTime.UtcNow < deadline)
                        {
                            if (e.IsTransportFailure && a.HasExited && current.Host == a.BaseAddress)
                            {
                                // Its host is gone: the same customer and meter session, through the other host.
                                var client = FeedWorld.Client(b.BaseAddress, current.Token);
                                current = current with
                                {
                                    Host = b.BaseAddress, Client = client, Session = client.ResumeMeterSession(current.MeterId, current.Hmk, current.Session.State),
                                };
                                Interlocked.Increment(ref failedOver);
                            }
                            await Task.Delay(250);
                        }
                    }
                }
                return current;
            })).ToList();

            await Task.Delay(BeforeKill);
            // Before the kill: commit to consumer under 2 s at the 99th percentile, for both consumers, under the storm.
            using (var http = OperatorHttp.Client(b.BaseAddress))
            {
                var feed = (await (await http.GetAsync("/v1/operator/feed")).JsonAsync()).EnumerateArray().ToList();
                foreach (var consumer in feed)
                {
                    output.WriteLine($"before the kill: {consumer}");
                    Assert.True(consumer.GetProperty("p99DelayMs").GetInt64() < 2_000, $"commit to consumer p99 is 2 s or more: {consumer}");
                }
            }
            a.KillHard();
            Assert.True(a.HasExited, "the host survived SIGKILL");
            await Task.Delay(AfterKill);
            await stop.CancelAsync();
            var final = await Task.WhenAll(workers);
            output.WriteLine($"{acknowledged.Count} transactions acknowledged, {failedOver} clients failed over");
            Assert.True(failedOver > 0, "no client was on the killed host");
            Assert.True(acknowledged.Count > 20, $"only {acknowledged.Count} transactions in the storm");

            await world.AssertDownstreamOnceAsync(b.BaseAddress, final);
            foreach (var shopper in final)
            {
                // Every acknowledged transaction was logged (and so is downstream, by the check above).
                var logged = (await world.LoggedAsync(shopper.MeterId)).Select(l => $"{shopper.MeterId}/{l.Sequence}").ToHashSet();
                Assert.Superset(acknowledged.Where(x => x.StartsWith(shopper.MeterId + "/", StringComparison.Ordinal)).ToHashSet(), logged);
                shopper.Session.Dispose();
                shopper.Client.Dispose();
            }
        }
        catch (Exception) when (Dump(a, b))
        {
            throw;
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    private bool Dump(HostProcess a, HostProcess b)
    {
        output.WriteLine("--- host a ---\n" + a.Transcript() + "\n--- host b ---\n" + b.Transcript());
        return false;
    }
}
