namespace VbiOrleans.Abstractions.RateLimits;

/// <summary>
/// One client's request budget for the whole cluster (key "customer/{customerId}" or "partner/{partnerId}"): a token
/// bucket held in memory by the grain's single activation. Silos do not ask it per request: each leases a few permits
/// at a time and spends them locally (docs/api.md, "Rate limiting"). Not persisted: a bucket lost with its silo starts
/// full again, and an idle bucket is full anyway.
/// </summary>
public interface IRequestBudgetGrain : IGrainWithStringKey
{
    static string Key(string kind, string id) => kind + "/" + id;

    /// <summary>Takes up to <paramref name="wanted"/> permits from the bucket <paramref name="shape"/> describes; none when it is empty, with the wait for the next one.</summary>
    Task<BudgetLease> Lease(int wanted, BudgetShape shape);
}

/// <summary>The bucket: refilled at <paramref name="PermitsPerSecond"/>, holding at most <paramref name="Burst"/>. Each silo sends its configured shape; the grain follows the last one sent.</summary>
[GenerateSerializer, Immutable]
public sealed record BudgetShape([property: Id(0)] int PermitsPerSecond, [property: Id(1)] int Burst);

/// <summary>The permits granted (0 to the number wanted), and when none were, how long until the bucket has one.</summary>
[GenerateSerializer, Immutable]
public sealed record BudgetLease([property: Id(0)] int Granted, [property: Id(1)] TimeSpan RetryAfter);
