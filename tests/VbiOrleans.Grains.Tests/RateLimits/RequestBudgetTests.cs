using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using VbiOrleans.Abstractions.RateLimits;
using VbiOrleans.Grains.RateLimits;
using VbiOrleans.Host.Api;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Grains.Tests.RateLimits;

/// <summary>A clock the test moves.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// The cluster-wide request budget without a silo: the token bucket the grain holds, and silos leasing from one bucket
/// (<see cref="ClientBudgets"/> with the grain call replaced by a call on that bucket). The bound docs/api.md states:
/// over any interval a client is admitted at most Burst + rate × interval + silos × (LeaseSize − 1).
/// </summary>
public sealed class RequestBudgetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_bucket_starts_full_grants_its_burst_then_says_when_the_next_permit_comes()
    {
        var bucket = new TokenBucket(permitsPerSecond: 4, burst: 10, T0);
        Assert.Equal(6, bucket.Take(6, T0).Granted);
        Assert.Equal(4, bucket.Take(6, T0).Granted);
        var empty = bucket.Take(1, T0);
        Assert.Equal((0, TimeSpan.FromSeconds(0.25)), empty);
        Assert.Equal(2, bucket.Take(5, T0.AddSeconds(0.5)).Granted);
        Assert.Equal(10, bucket.Take(100, T0.AddHours(1)).Granted); // never more than the burst
        Assert.Equal(0, bucket.Take(1, T0).Granted); // a clock stepping back refills nothing
    }

    [Fact]
    public void Over_any_run_of_takes_a_bucket_grants_at_most_its_burst_plus_its_rate_times_the_time() =>
        Gen.Select(Gen.Int[1, 50], Gen.Int[1, 200], Gen.Select(Gen.Int[0, 500], Gen.Int[0, 40]).Array[1, 200])
            .Sample((rate, burst, steps) =>
            {
                var bucket = new TokenBucket(rate, burst, T0);
                var now = T0;
                long granted = 0;
                foreach (var (millis, wanted) in steps)
                {
                    now = now.AddMilliseconds(millis);
                    granted += bucket.Take(wanted, now).Granted;
                }
                return granted <= burst + rate * (now - T0).TotalSeconds + 1e-9;
            });

    private static (ClientBudgets[] Silos, Func<int> Calls) Silos(int count, RateLimitSettings settings, ManualClock clock)
    {
        var buckets = new Dictionary<string, TokenBucket>(); // the grains: one bucket per client
        var calls = 0;
        Task<BudgetLease> Lease(string key, int wanted, BudgetShape shape)
        {
            Interlocked.Increment(ref calls);
            lock (buckets)
            {
                if (!buckets.TryGetValue(key, out var bucket)) buckets[key] = bucket = new TokenBucket(shape.PermitsPerSecond, shape.Burst, clock.Now);
                var (granted, retryAfter) = bucket.Take(wanted, clock.Now);
                return Task.FromResult(new BudgetLease(granted, retryAfter));
            }
        }
        var silos = Enumerable.Range(0, count).Select(_ => new ClientBudgets(Lease, settings, clock, NullLogger.Instance)).ToArray();
        return (silos, () => Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Two_silos_alternating_admit_no_more_than_one_bucket_and_lease_in_batches()
    {
        var clock = new ManualClock(T0);
        var settings = new RateLimitSettings { PermitsPerSecond = 1, Burst = 100, LeaseSize = 10, LeaseLifetime = TimeSpan.FromMinutes(1) };
        var (silos, calls) = Silos(2, settings, clock);
        var admitted = 0;
        for (var i = 0; i < 400; i++)
        {
            if ((await silos[i % 2].TakeAsync("customer/u-1")).Admitted) admitted++;
        }
        // Per host, this was 200 (a full bucket on each). Cluster-wide: the bucket, less what each silo holds unspent.
        Assert.InRange(admitted, settings.Burst - 2 * (settings.LeaseSize - 1), settings.Burst);
        Assert.Equal(settings.Burst, admitted + silos.Sum(s => s.Unspent("customer/u-1")));
        // One grain call per lease (10 + the refusals that are then remembered), not one per request.
        Assert.InRange(calls(), 10, 12);

        // The refusal is remembered until the bucket's next permit: no grain call per refused request.
        var before = calls();
        for (var i = 0; i < 50; i++) Assert.False((await silos[0].TakeAsync("customer/u-1")).Admitted);
        Assert.Equal(before, calls());
        var refused = await silos[0].TakeAsync("customer/u-1");
        Assert.InRange(refused.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));

        // Another client has its own bucket.
        Assert.True((await silos[1].TakeAsync("partner/p-1")).Admitted);
    }

    [Fact]
    public async Task Over_time_two_silos_admit_the_burst_plus_the_rate_plus_at_most_their_unspent_leases()
    {
        var clock = new ManualClock(T0);
        var settings = new RateLimitSettings { PermitsPerSecond = 5, Burst = 20, LeaseSize = 4, LeaseLifetime = TimeSpan.FromSeconds(1) };
        var (silos, _) = Silos(2, settings, clock);
        var admitted = 0;
        for (var i = 0; i < 3_000; i++)
        {
            clock.Now = T0.AddMilliseconds(i * 10); // 100 requests a second for 30 s, alternating silos
            if ((await silos[i % 2].TakeAsync("customer/u-2")).Admitted) admitted++;
        }
        var seconds = (clock.Now - T0).TotalSeconds;
        Assert.InRange(admitted, (int)(settings.PermitsPerSecond * seconds * 0.8), (int)(settings.Burst + settings.PermitsPerSecond * seconds) + 2 * (settings.LeaseSize - 1));
    }

    [Fact]
    public async Task Concurrent_requests_on_one_silo_share_one_lease_and_get_exactly_the_burst()
    {
        var clock = new ManualClock(T0);
        var settings = new RateLimitSettings { PermitsPerSecond = 1, Burst = 100, LeaseSize = 10 };
        var (silos, calls) = Silos(1, settings, clock);
        var decisions = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => silos[0].TakeAsync("customer/u-3").AsTask()));
        Assert.Equal(settings.Burst, decisions.Count(d => d.Admitted));
        Assert.True(calls() < 20, $"{calls()} grain calls for 200 concurrent requests");
        Assert.All(decisions.Where(d => !d.Admitted), d => Assert.True(d.RetryAfter > TimeSpan.Zero));
    }

    [Fact]
    public async Task A_budget_that_does_not_answer_costs_a_request_at_most_the_lease_timeout()
    {
        var settings = new RateLimitSettings { LeaseSize = 3, LeaseTimeout = TimeSpan.FromMilliseconds(100), LeaseLifetime = TimeSpan.FromSeconds(5) };
        var never = new TaskCompletionSource<BudgetLease>();
        var calls = 0;
        var silo = new ClientBudgets((_, _, _) =>
        {
            Interlocked.Increment(ref calls);
            return never.Task;
        }, settings, TimeProvider.System, NullLogger.Instance);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.True((await silo.TakeAsync("customer/u-4")).Admitted);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(90), TimeSpan.FromSeconds(5));
        // The silo admitted on its own for one lease (LeaseSize permits), without asking again.
        Assert.True((await silo.TakeAsync("customer/u-4")).Admitted);
        Assert.True((await silo.TakeAsync("customer/u-4")).Admitted);
        Assert.Equal(1, calls);
    }
}
