namespace VbiOrleans.Grains.RateLimits;

/// <summary>
/// A token bucket: starts full at <see cref="Burst"/> permits, refills continuously at <see cref="PermitsPerSecond"/>,
/// never holds more than <see cref="Burst"/>. Over any interval of length t it grants at most Burst + rate × t permits.
/// Time comes in as a parameter; a clock that steps back refills nothing.
/// </summary>
public sealed class TokenBucket
{
    private double _tokens;
    private DateTimeOffset _at;

    public TokenBucket(int permitsPerSecond, int burst, DateTimeOffset now)
    {
        Reshape(permitsPerSecond, burst);
        _tokens = Burst;
        _at = now;
    }

    public int PermitsPerSecond { get; private set; }
    public int Burst { get; private set; }

    /// <summary>Follows a new configuration; permits already in the bucket are kept up to the new burst.</summary>
    public void Reshape(int permitsPerSecond, int burst)
    {
        PermitsPerSecond = Math.Max(1, permitsPerSecond);
        Burst = Math.Max(1, burst);
        _tokens = Math.Min(_tokens, Burst);
    }

    /// <summary>Up to <paramref name="wanted"/> whole permits; when the bucket has none, the wait until it has one.</summary>
    public (int Granted, TimeSpan RetryAfter) Take(int wanted, DateTimeOffset now)
    {
        if (now > _at)
        {
            _tokens = Math.Min(Burst, _tokens + (now - _at).TotalSeconds * PermitsPerSecond);
            _at = now;
        }
        var granted = (int)Math.Min(Math.Max(0, wanted), Math.Floor(_tokens));
        if (granted > 0)
        {
            _tokens -= granted;
            return (granted, TimeSpan.Zero);
        }
        return (0, TimeSpan.FromSeconds((1 - _tokens) / PermitsPerSecond));
    }
}
