using System.Globalization;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Host.Api;
using VbiOrleans.Grains.Shards;

namespace VbiOrleans.Host.Shards;

/// <summary>
/// The answer to a request that failed because its meter's bucket's database is down: 503 <see cref="ErrorCode.ShardUnavailable"/>
/// with a Retry-After, so a client (the SDK retries a 5xx with the same idempotency key) waits rather than hammers, and
/// an operator reads which bucket is out; <c>/health/ready</c> lists every unavailable bucket.
/// </summary>
public static class ShardUnavailableResponse
{
    /// <summary>The wait a client is asked for: about how long a restarted PostgreSQL server takes to accept connections.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public static Task Write(HttpContext context, ShardUnavailableException shard)
    {
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return Problems.Write(context, StatusCodes.Status503ServiceUnavailable, ErrorCode.ShardUnavailable,
            $"The {shard.Store} database of this meter's bucket ({shard.Bucket}) does not answer; nothing was acknowledged. " +
            "Retry with the same idempotency key once it is back.");
    }
}
