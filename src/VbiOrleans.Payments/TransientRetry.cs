namespace VbiOrleans.Payments;

/// <summary>
/// The bounded retry of a provider call that failed transiently (<see cref="PaymentResult{T}.IsTransient"/>): the same
/// call, so the same idempotency key, at most <see cref="PaymentOptions.MaxRetries"/> more times, with a doubling
/// wait. The key makes the retries safe: the provider takes the operation at most once.
/// </summary>
internal static class TransientRetry
{
    public static async Task<PaymentResult<T>> RunAsync<T>(Func<Task<PaymentResult<T>>> call, int maxRetries, TimeSpan delay, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var result = await call();
        for (var attempt = 0; attempt < maxRetries && result.IsTransient; attempt++)
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay * (1 << attempt), clock, cancellationToken);
            result = await call();
        }
        return result;
    }
}
