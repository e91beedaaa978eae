using System.Collections.Concurrent;

namespace VbiOrleans.Protocol.Partners;

/// <summary>
/// Remembers the nonces of accepted partner requests until their timestamp leaves the replay window, so a request
/// replayed inside the window is refused. Implementations: <see cref="InMemoryNonceCache"/> (one process); a shared
/// store (a grain, a database) when several servers accept partner requests.
/// </summary>
public interface INonceCache
{
    /// <summary>
    /// Records (partner, nonce) until <paramref name="expiresAt"/>; false when it is already recorded and not expired.
    /// Must be atomic: of two concurrent calls with the same pair, one returns true.
    /// </summary>
    ValueTask<bool> TryAddAsync(string partnerId, string nonce, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);
}

/// <summary>A process-local <see cref="INonceCache"/>; the caller's clock comes in through <c>now</c>.</summary>
public sealed class InMemoryNonceCache : INonceCache
{
    private readonly ConcurrentDictionary<(string PartnerId, string Nonce), DateTimeOffset> _seen = new();
    private readonly Lock _sweepGate = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    public int Count => _seen.Count;

    public ValueTask<bool> TryAddAsync(string partnerId, string nonce, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partnerId);
        ArgumentNullException.ThrowIfNull(nonce);
        Sweep(now);
        var key = (partnerId, nonce);
        while (true)
        {
            if (_seen.TryAdd(key, expiresAt)) return ValueTask.FromResult(true);
            if (!_seen.TryGetValue(key, out var existing)) continue;
            if (existing >= now) return ValueTask.FromResult(false);
            if (_seen.TryUpdate(key, expiresAt, existing)) return ValueTask.FromResult(true);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        lock (_sweepGate)
        {
            if (now < _nextSweep) return;
            _nextSweep = now + TimeSpan.FromSeconds(30);
        }
        foreach (var entry in _seen)
        {
            if (entry.Value < now) _seen.TryRemove(entry);
        }
    }
}
