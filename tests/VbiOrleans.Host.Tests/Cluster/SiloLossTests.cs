using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Cluster;

/// <summary>
/// Failover in seconds (issue 16 item 5): three Cluster-profile host processes on a scratch database, customers
/// printing through the SDK with signed requests without pause, one host SIGKILLed. Each customer's SDK sits behind a
/// small load balancer (<see cref="HostRouter"/>) that sends it to its own host and moves it to the next one when
/// its host refuses connections, as a load balancer drops a dead backend. Measured per meter: the longest wait between
/// two completed prints around the kill. The meters whose host and grains on the print path (the host the customer's
/// requests go to, request grain, meter, client session, module session, account, current history page) were all on
/// the surviving silos are the survivors' meters; the others had
/// something on the killed silo and wait for membership to declare it dead. Asserted: the silo is declared dead within
/// 2.5 s, every meter prints again within 5 s, a survivors' meter waits at most 1 s, or twice the longest wait the same
/// run saw before the kill on a machine that slow (see <see cref="SurvivorBound"/>),
/// the surviving hosts answer no 5xx (the API retried what the dead silo failed) and the SDK gives up on no print.
/// </summary>
[Trait("Services", "PostgreSQL+Azurite")]
[Collection(Durability.DurabilityCollection.Name)] // timings: alone, after the rest of the suite
public sealed class SiloLossTests(ITestOutputHelper output)
{
    private const int Hosts = 3;
    private const int Customers = 15;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(12);

    /// <summary>Every meter prints again within this after the kill.</summary>
    private static readonly TimeSpan EveryMeterBound = TimeSpan.FromSeconds(5);

    /// <summary>Membership declares the killed silo dead within this (two missed probes at 0.5 s, the votes written).</summary>
    private static readonly TimeSpan DeclarationBound = TimeSpan.FromSeconds(2.5);

    /// <summary>
    /// No wait of a meter whose grains were all on surviving silos is longer than this: they keep being served while the
    /// dead silo is being declared. What makes it hold is that a print activates nothing new (every grain on its path is
    /// one per meter or per customer, none per request or key), since a new activation whose directory entry the dead
    /// silo held cannot be registered until the declaration. Measured 0.23 to 0.40 s, also with two busy loops beside
    /// the test. When the whole suite loads the machine so that a meter already waits over half a second without any
    /// failure (0.54 s seen in CI), the bound is twice that wait: the machine's own jitter, measured in the same run,
    /// not the dead silo.
    /// </summary>
    private static readonly TimeSpan SurvivorBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task After_one_of_three_silos_is_killed_under_signed_prints_every_meter_prints_again_within_5_s()
    {
        var database = await LocalServices.CreateScratchDatabaseAsync("vbi_silo_loss");
        var clusterId = "silo-loss-" + Guid.NewGuid().ToString("N")[..8];
        var environments = Enumerable.Range(0, Hosts).Select(_ =>
        {
            var env = HostEnvironment.Cluster(clusterId, HostEnvironment.AllStoresIn(database));
            env["Vbi__Database__InitializeOnStart"] = "true";
            env["Vbi__Module__PasswordIterations"] = "20000";
            env["Vbi__Api__AccountPasswordIterations"] = "20000";
            env["Vbi__Api__RateLimit__Enabled"] = "false";
            env["Logging__LogLevel__VbiOrleans.Host.Api.SiloLossRetry"] = "Information";
            return env;
        }).ToList();
        var hosts = new List<HostProcess>();
        try
        {
            hosts.Add(HostProcess.Start(environments[0]));
            await hosts[0].WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            hosts.AddRange(environments.Skip(1).Select(e => HostProcess.Start(e)));
            await Task.WhenAll(hosts.Skip(1).Select(h => h.WaitUntilReadyAsync(TimeSpan.FromSeconds(120))));
            var router = new RouterState(hosts.Select(h => h.BaseAddress).ToArray());

            var customers = new Customer[Customers];
            await Parallel.ForEachAsync(Enumerable.Range(0, Customers), new ParallelOptions { MaxDegreeOfParallelism = 3 },
                async (i, _) => customers[i] = await NewCustomerAsync(router, i % Hosts));

            // Printing, without pause, until told to stop; every completion is timed.
            var clock = Stopwatch.StartNew();
            var completions = customers.Select(_ => new ConcurrentQueue<TimeSpan>()).ToArray();
            var failures = new ConcurrentQueue<string>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Customers).Select(i => Task.Run(async () =>
            {
                string? key = null;
                while (!stop.IsCancellationRequested)
                {
                    // A print whose answer was lost is sent again with its key (same bytes): answered once, charged once.
                    key ??= VbiClient.NewIdempotencyKey();
                    try
                    {
                        await customers[i].Session.PrintAsync(new PrintOrder(50, "94103", "FIRST-CLASS"), new LabelOptions("zpl"), key);
                        completions[i].Enqueue(clock.Elapsed);
                        key = null;
                    }
                    catch (VbiApiException e)
                    {
                        failures.Enqueue($"{clock.Elapsed.TotalSeconds:0.000}s meter {customers[i].MeterId}: {e.Status} {e.Code}");
                        await Task.Delay(50);
                    }
                }
            })).ToList();

            await Task.Delay(WarmUp);
            var placement = await PlacementAsync(database, clusterId, customers, environments);
            // The silo to kill: the one that leaves the most meters wholly on the others, while some meter has a grain on it.
            var victim = Enumerable.Range(0, Hosts)
                .Where(h => placement.Any(p => p.Contains(h)))
                .OrderByDescending(h => placement.Count(p => !p.Contains(h)))
                .First();
            var killedAt = clock.Elapsed;
            hosts[victim].KillHard();
            router.Failures.Clear();
            var declaredDead = DeclaredDeadAsync(database, clusterId, int.Parse(environments[victim]["Vbi__Cluster__SiloPort"]!), clock, AfterKill);
            await Task.Delay(AfterKill);
            await stop.CancelAsync();
            await Task.WhenAll(load);

            // Waits around the kill: from the last completion before it to each later one.
            var from = killedAt - TimeSpan.FromSeconds(2);
            var to = killedAt + AfterKill;
            var survivors = Enumerable.Range(0, Customers).Where(i => !placement[i].Contains(victim)).ToList();
            var longest = new TimeSpan[Customers];
            var longestFrom = new TimeSpan[Customers];
            var survivorGaps = new List<TimeSpan>();
            for (var i = 0; i < Customers; i++)
            {
                var times = completions[i].Where(t => t >= from && t <= to).Prepend(from).Append(to).Order().ToList();
                var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
                longest[i] = gaps.Max();
                longestFrom[i] = times[gaps.IndexOf(longest[i])] - killedAt;
                if (survivors.Contains(i)) survivorGaps.AddRange(gaps);
            }
            // The same measure over a quiet stretch before the kill: what this machine gives without a failure.
            var before = Enumerable.Range(0, Customers).Max(i =>
            {
                var times = completions[i].Where(t => t >= killedAt - TimeSpan.FromSeconds(5) && t < killedAt - TimeSpan.FromSeconds(0.5)).Order().ToList();
                return times.Count < 2 ? TimeSpan.Zero : times.Zip(times.Skip(1), (a, b) => b - a).Max();
            });
            var all = completions.SelectMany(c => c).Where(t => t >= from && t <= to).Prepend(from).Append(to).Order().ToList();
            var quietest = all.Zip(all.Skip(1), (a, b) => b - a).Max();
            var p99 = survivorGaps.Count == 0 ? TimeSpan.Zero : survivorGaps.Order().ElementAt((int)Math.Ceiling(survivorGaps.Count * 0.99) - 1);

            output.WriteLine($"killed host {victim} (pid {hosts[victim].Pid}) at {killedAt.TotalSeconds:0.000}s; window {from.TotalSeconds:0.0}s to {to.TotalSeconds:0.0}s");
            var dead = await declaredDead - killedAt;
            output.WriteLine(dead is { } d
                ? $"the membership table says Dead {d.TotalMilliseconds:0} ms after the kill"
                : "the membership table did not say Dead within the window");
            output.WriteLine($"longest wait of any meter in the 4.5 s before the kill: {before.TotalMilliseconds:0} ms");
            output.WriteLine($"prints completed in the window: {all.Count - 2}; longest time with no print completed anywhere: {quietest.TotalMilliseconds:0} ms");
            for (var i = 0; i < Customers; i++)
            {
                output.WriteLine($"meter {customers[i].MeterId}: grains on hosts [{string.Join(",", placement[i])}] {(survivors.Contains(i) ? "survivor" : "had a grain on the killed silo")}, longest wait {longest[i].TotalMilliseconds:0} ms from {longestFrom[i].TotalMilliseconds:0} ms after the kill");
            }
            output.WriteLine($"longest wait of any meter: {longest.Max().TotalMilliseconds:0} ms");
            output.WriteLine($"survivors' meters: {survivors.Count}; p99 of their waits {p99.TotalMilliseconds:0} ms over {survivorGaps.Count} waits; longest {(survivors.Count == 0 ? 0 : survivors.Max(i => longest[i].TotalMilliseconds)):0} ms");
            var retried = hosts.Where((_, h) => h != victim).Sum(h => h.Output.Count(l => l.Contains("Retry 1 of ", StringComparison.Ordinal)));
            output.WriteLine($"requests the surviving hosts retried because a grain's silo was unavailable: {retried}");
            output.WriteLine($"server errors (5xx) answered by the surviving hosts after the kill: {router.Failures.Count}");
            foreach (var f in router.Failures.Take(20)) output.WriteLine("  " + f);
            output.WriteLine($"prints the SDK gave up on: {failures.Count}");
            foreach (var f in failures.Take(20)) output.WriteLine("  " + f);

            Assert.True(survivors.Count > 0, "no meter had all its grains off the killed silo; nothing to measure for the survivors");
            Assert.True(survivors.Count < Customers, "no meter had a grain on the killed silo");
            Assert.All(Enumerable.Range(0, Customers), i => Assert.True(longest[i] <= EveryMeterBound,
                $"meter {customers[i].MeterId} waited {longest[i].TotalMilliseconds:0} ms for a print after the kill (bound {EveryMeterBound.TotalSeconds} s)"));
            Assert.True(dead <= DeclarationBound, $"the killed silo was declared dead {dead?.TotalMilliseconds:0} ms after the kill (bound {DeclarationBound.TotalSeconds} s)");
            var survivorBound = SurvivorBound > 2 * before ? SurvivorBound : 2 * before;
            Assert.All(survivors, i => Assert.True(longest[i] <= survivorBound,
                $"meter {customers[i].MeterId}, all of whose grains were on surviving silos, waited {longest[i].TotalMilliseconds:0} ms (bound {survivorBound.TotalMilliseconds:0} ms)"));
            // The API retried what failed only because its grain's silo died: no survivor answered 500 for it.
            Assert.True(retried > 0, "no request met the dead silo; the retry was not exercised");
            Assert.Empty(router.Failures);
            Assert.Empty(failures);
            // I4 at most once, whatever the retries (the SDK's, the load balancer's, the server's): each meter's AR is
            // exactly the postage of the prints its customer saw complete, and I1 conservation holds.
            for (var i = 0; i < Customers; i++)
            {
                var meter = await customers[i].Client.GetMeterAsync(customers[i].MeterId);
                Assert.Equal(50L * completions[i].Count, meter.AscendingMills);
                Assert.Equal(1_000_000L, meter.AscendingMills + meter.DescendingMills);
                Assert.Equal(meter.AscendingMills, customers[i].Session.AscendingMills);
            }
            foreach (var c in customers) c.Dispose();
        }
        finally
        {
            foreach (var h in hosts) await h.DisposeAsync();
        }
    }

    /// <summary>When the membership table first shows the silo on <paramref name="port"/> as Dead (6), on <paramref name="clock"/>.</summary>
    private static async Task<TimeSpan?> DeclaredDeadAsync(string database, string clusterId, int port, Stopwatch clock, TimeSpan within)
    {
        var deadline = clock.Elapsed + within;
        while (clock.Elapsed < deadline)
        {
            var status = await LocalServices.ScalarAsync<int>(database,
                "SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @id AND Port = @port", ("id", clusterId), ("port", port));
            if (status == 6) return clock.Elapsed;
            await Task.Delay(50);
        }
        return null;
    }

    private sealed record Customer(string MeterId, string CustomerId, int Home, VbiClient Client, MeterSession Session) : IDisposable
    {
        public void Dispose()
        {
            Session.Dispose();
            Client.Dispose();
        }
    }

    private static async Task<Customer> NewCustomerAsync(RouterState router, int home)
    {
        using var anonymous = Client(router, home, null);
        var account = await anonymous.SignUpAsync($"c{Guid.NewGuid():N}@example.com", "correct horse battery staple");
        var client = Client(router, home, account.Token);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, "correct horse battery staple", Convert.FromBase64String(identity.PublicKey));
        var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, "correct horse battery staple");
        await session.FundAsync(1_000_000, "test-payment-" + Guid.NewGuid().ToString("N"));
        return new Customer(meter.MeterId, account.Customer.CustomerId, home, client, session);
    }

    private static VbiClient Client(RouterState router, int home, string? token) =>
        new(new VbiClientOptions { BaseAddress = router.Hosts[home], CustomerToken = token, Timeout = TimeSpan.FromSeconds(30) },
            new HostRouter(router, home));

    /// <summary>
    /// For each meter, the hosts holding the grains its signed print goes through (read through an Orleans client of
    /// the cluster and the management grain, which asks the grain directory).
    /// </summary>
    private static async Task<List<HashSet<int>>> PlacementAsync(string database, string clusterId, Customer[] customers,
        List<Dictionary<string, string?>> environments)
    {
        var hostOfPort = environments.Select((e, i) => (Port: int.Parse(e["Vbi__Cluster__SiloPort"]!), Host: i)).ToDictionary(x => x.Port, x => x.Host);
        using var client = await ClusterClients.ConnectAsync(LocalServices.ConnectionString(database), clusterId);
        try
        {
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var management = grains.GetGrain<IManagementGrain>(0);
            var result = new List<HashSet<int>>();
            foreach (var c in customers)
            {
                var snapshot = await grains.GetGrain<IMeterGrain>(c.MeterId).Snapshot();
                var sequence = snapshot!.Registers.Sequence;
                IAddressable[] path =
                [
                    grains.GetGrain<IMeterGrain>(c.MeterId), grains.GetGrain<IClientSessionGrain>(c.MeterId), grains.GetGrain<IModuleSessionGrain>(c.MeterId),
                    grains.GetGrain<ICustomerGrain>(c.CustomerId), grains.GetGrain<IMeterHistoryGrain>(IMeterHistoryGrain.Key(c.MeterId, sequence)),
                ];
                // The host the customer's requests go to is on the path too: when it dies, the requests move to another.
                var on = new HashSet<int> { c.Home };
                foreach (var grain in path)
                {
                    if (await management.GetActivationAddress(grain) is { } silo) on.Add(hostOfPort[silo.Endpoint.Port]);
                }
                result.Add(on);
            }
            return result;
        }
        finally
        {
            await client.StopAsync();
        }
    }

    /// <summary>What the customers' load balancers share: the hosts, which of them refused connections, the 5xx answers seen.</summary>
    private sealed class RouterState(Uri[] hosts)
    {
        public Uri[] Hosts { get; } = hosts;
        public ConcurrentDictionary<int, bool> Down { get; } = new();
        public ConcurrentQueue<string> Failures { get; } = new();
    }

    /// <summary>
    /// A customer's load balancer: its home host while that accepts connections, else the next one up. A refused
    /// connection is sent on at once (nothing reached the server); any other transport failure is the SDK's to retry.
    /// </summary>
    private sealed class HostRouter(RouterState state, int home) : DelegatingHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.PathAndQuery;
            for (var k = 0; k < state.Hosts.Length; k++)
            {
                var host = (home + k) % state.Hosts.Length;
                if (state.Down.ContainsKey(host)) continue;
                request.RequestUri = new Uri(state.Hosts[host], path);
                try
                {
                    var response = await base.SendAsync(request, cancellationToken);
                    if ((int)response.StatusCode >= 500)
                        state.Failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} host {host} {request.Method} {path}: {(int)response.StatusCode}");
                    return response;
                }
                catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    state.Down[host] = true;
                }
                catch (HttpRequestException)
                {
                    state.Down[host] = true;
                    throw;
                }
            }
            throw new HttpRequestException("no host accepts connections");
        }
    }
}
