using VbiOrleans.Abstractions.RateLimits;

namespace VbiOrleans.Grains.RateLimits;

/// <summary>One client's cluster-wide token bucket (see <see cref="IRequestBudgetGrain"/>); in memory only.</summary>
public sealed class RequestBudgetGrain(TimeProvider clock) : Grain, IRequestBudgetGrain
{
    private TokenBucket? _bucket;

    public Task<BudgetLease> Lease(int wanted, BudgetShape shape)
    {
        var now = clock.GetUtcNow();
        if (_bucket is null) _bucket = new TokenBucket(shape.PermitsPerSecond, shape.Burst, now);
        else if (_bucket.PermitsPerSecond != shape.PermitsPerSecond || _bucket.Burst != shape.Burst) _bucket.Reshape(shape.PermitsPerSecond, shape.Burst);
        var (granted, retryAfter) = _bucket.Take(wanted, now);
        return Task.FromResult(new BudgetLease(granted, retryAfter));
    }
}
