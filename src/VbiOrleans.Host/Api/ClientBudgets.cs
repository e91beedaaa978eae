using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.RateLimits;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Api;

/// <summary>This silo's answer for one request against its client's cluster-wide budget.</summary>
public readonly record struct BudgetDecision(bool Admitted, TimeSpan RetryAfter)
{
    public static BudgetDecision Admit => new(true, TimeSpan.Zero);

    public static BudgetDecision Refuse(TimeSpan retryAfter) => new(false, retryAfter);
}

/// <summary>
/// The per-customer and per-partner budgets, cluster-wide: each client's token bucket lives in one
/// <see cref="IRequestBudgetGrain"/>, and this silo leases permits from it in batches of
/// <see cref="RateLimitSettings.LeaseSize"/> and spends them locally, so a request costs a dictionary lookup and a
/// lock, and one request in LeaseSize makes the grain call. A silo asks again only when its permits are spent (one
/// call in flight per client; requests that arrive meanwhile wait for it and are counted into it), so it never holds
/// more than LeaseSize − 1 unspent permits: over any interval a client is admitted at most
/// Burst + rate × interval + silos × (LeaseSize − 1). Unspent permits lapse after
/// <see cref="RateLimitSettings.LeaseLifetime"/>; a refusal is remembered until the bucket's next permit, so a client
/// over its budget costs no grain call per request either. When the grain does not answer within
/// <see cref="RateLimitSettings.LeaseTimeout"/> (its silo just died), the silo admits the waiting requests on its own
/// authority for one lease lifetime rather than stall the API; the per-address bucket still holds.
/// </summary>
public sealed class ClientBudgets
{
    /// <summary>Lease rounds one request may wait through (others' requests took the permits of the rounds before).</summary>
    public const int MaxRoundsPerRequest = 4;

    private readonly Func<string, int, BudgetShape, Task<BudgetLease>> _lease;
    private readonly RateLimitSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, Pool> _pools = new(StringComparer.Ordinal);

    public ClientBudgets(IGrainFactory grains, IOptions<ApiOptions> api, TimeProvider clock, ILogger<ClientBudgets> log)
        : this((key, wanted, shape) => grains.GetGrain<IRequestBudgetGrain>(key).Lease(wanted, shape), api.Value.RateLimit, clock, log)
    {
    }

    /// <summary>With <paramref name="lease"/> standing for the grain call (key, permits wanted, shape).</summary>
    public ClientBudgets(Func<string, int, BudgetShape, Task<BudgetLease>> lease, RateLimitSettings settings, TimeProvider clock, ILogger log)
    {
        _lease = lease;
        _settings = settings;
        _clock = clock;
        _log = log;
    }

    /// <summary>Permits this silo holds unspent for <paramref name="key"/> (for tests and the documented bound).</summary>
    public int Unspent(string key) => _pools.TryGetValue(key, out var pool) ? pool.Unspent(_clock.GetUtcNow()) : 0;

    /// <summary>One permit from the budget of <paramref name="key"/> ("customer/…" or "partner/…").</summary>
    public async ValueTask<BudgetDecision> TakeAsync(string key)
    {
        var pool = PoolFor(key);
        for (var round = 0; ; round++)
        {
            Task refill;
            lock (pool.Gate)
            {
                var now = _clock.GetUtcNow();
                if (pool.Tokens > 0 && now < pool.ExpiresAt)
                {
                    pool.Tokens--;
                    return BudgetDecision.Admit;
                }
                if (now < pool.RefusedUntil) return BudgetDecision.Refuse(pool.RefusedUntil - now);
                if (round >= MaxRoundsPerRequest) return BudgetDecision.Refuse(TimeSpan.FromSeconds(1.0 / Math.Max(1, _settings.PermitsPerSecond)));
                pool.Waiting++;
                refill = pool.Refill ??= RefillAsync(key, pool);
            }
            try
            {
                await refill;
            }
            finally
            {
                lock (pool.Gate) pool.Waiting--;
            }
        }
    }

    private Pool PoolFor(string key)
    {
        if (_pools.TryGetValue(key, out var pool)) return pool;
        if (_pools.Count >= _settings.MaxLocalLeases)
        {
            // Bounded: lapsed pools go first; if every pool is live, this client's request leases for itself only.
            var now = _clock.GetUtcNow();
            foreach (var (k, p) in _pools)
            {
                if (p.Idle(now)) _pools.TryRemove(new KeyValuePair<string, Pool>(k, p));
            }
            if (_pools.Count >= _settings.MaxLocalLeases) return new Pool();
        }
        return _pools.GetOrAdd(key, _ => new Pool());
    }

    private async Task RefillAsync(string key, Pool pool)
    {
        await Task.Yield(); // let the requests arriving with this one count themselves into the lease
        int wanted;
        lock (pool.Gate) wanted = Math.Clamp(Math.Max(_settings.LeaseSize, pool.Waiting), 1, Math.Max(1, _settings.Burst));
        BudgetLease lease;
        try
        {
            lease = await _lease(key, wanted, new BudgetShape(_settings.PermitsPerSecond, _settings.Burst)).WaitAsync(_settings.LeaseTimeout);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.LogWarning("The request budget of {Client} did not answer within {Timeout} ({Error}); this silo admits its requests for {Lifetime}",
                key, _settings.LeaseTimeout, e.GetType().Name, _settings.LeaseLifetime);
            lease = new BudgetLease(wanted, TimeSpan.Zero);
        }
        lock (pool.Gate)
        {
            var now = _clock.GetUtcNow();
            if (lease.Granted > 0)
            {
                pool.Tokens = (now < pool.ExpiresAt ? pool.Tokens : 0) + lease.Granted;
                pool.ExpiresAt = now + _settings.LeaseLifetime;
            }
            else
            {
                pool.RefusedUntil = now + lease.RetryAfter;
            }
            pool.Refill = null;
        }
    }

    /// <summary>One client's permits on this silo; every field is read and written under the pool's lock.</summary>
    private sealed class Pool
    {
        public readonly Lock Gate = new();
        public int Tokens;
        public DateTimeOffset ExpiresAt;
        public DateTimeOffset RefusedUntil;
        public int Waiting;
        public Task? Refill;

        public int Unspent(DateTimeOffset now)
        {
            lock (Gate) return now < ExpiresAt ? Tokens : 0;
        }

        public bool Idle(DateTimeOffset now)
        {
            lock (Gate) return Refill is null && Waiting == 0 && now >= ExpiresAt && now >= RefusedUntil;
        }
    }
}
