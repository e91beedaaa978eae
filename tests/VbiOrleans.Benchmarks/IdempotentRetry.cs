namespace VbiOrleans.Benchmarks;

/// <summary>
/// How the benchmark's clients retry: on an exception (a timeout, a silo going away, a lost connection) the SAME
/// request with the SAME idempotency key is sent again, up to <see cref="MaxRetries"/> times with exponential backoff.
/// A <c>MeterResult</c> is an answer, never retried. I4 makes this safe: a retry returns the original result.
/// </summary>
public static class IdempotentRetry
{
    public const int MaxRetries = 5;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);

    public readonly record struct Outcome<T>(T? Value, int Retries, Exception? LastError)
    {
        /// <summary>Every attempt threw: whether the request took effect is unknown.</summary>
        public bool Unknown => LastError is not null;
    }

    public static async Task<Outcome<T>> RunAsync<T>(Func<Task<T>> request, CancellationToken cancellation)
    {
        Exception? last = null;
        for (var attempt = 0; attempt <= MaxRetries; attempt++)
        {
            if (attempt > 0)
            {
                var backoff = FirstBackoff * Math.Pow(2, attempt - 1);
                await Task.Delay(backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 50)), cancellation);
            }
            try
            {
                return new Outcome<T>(await request(), attempt, null);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                last = e;
            }
        }
        return new Outcome<T>(default, MaxRetries, last);
    }
}
