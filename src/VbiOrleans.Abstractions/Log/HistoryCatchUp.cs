namespace VbiOrleans.Abstractions.Log;

/// <summary>
/// The customer history is the log feed's projection of the transaction log, so a transaction answered a moment ago
/// may not be in it yet (commit to history: p99 under 2 s). A read that needs such a transaction (a SCAN form of
/// today's prints, a label downloaded again right after its print) waits, bounded, for the history to apply the log as
/// far as it reached when the read began.
/// </summary>
public static class HistoryCatchUp
{
    /// <summary>True when the history applied everything logged before the call; false when <paramref name="maxWait"/> ran out first.</summary>
    public static async Task<bool> WaitAsync(IGrainFactory grains, TimeSpan maxWait, TimeSpan pollInterval, TimeProvider clock,
        CancellationToken cancellationToken = default)
    {
        var feed = grains.GetGrain<ILogFeedGrain>(LogFeedConsumers.History);
        var status = await feed.Status();
        var asked = status;
        var deadline = clock.GetUtcNow() + maxWait;
        while (!status.HasReached(asked))
        {
            if (clock.GetUtcNow() >= deadline) return false;
            await Task.Delay(pollInterval, clock, cancellationToken);
            status = await feed.Status();
        }
        return true;
    }
}
