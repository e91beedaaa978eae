using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Host.Api;

/// <summary>
/// The history is the log feed's projection of the transaction log, so a transaction answered a moment ago may not be
/// in it yet (commit to history: p99 under 2 s). A read that needs one such transaction (a label downloaded again right
/// after its print) waits, at most <see cref="MaxWait"/>, for the history to apply the log as far as it reached when the
/// read began.
/// </summary>
public static class HistoryCatchUp
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>True when the history applied everything logged before the call; false when <see cref="MaxWait"/> ran out first.</summary>
    public static async Task<bool> WaitAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var feed = grains.GetGrain<ILogFeedGrain>(LogFeedConsumers.History);
        var status = await feed.Status();
        var head = status.Head;
        var deadline = DateTime.UtcNow + MaxWait;
        while (status.Position < head)
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(PollInterval, cancellationToken);
            status = await feed.Status();
        }
        return true;
    }
}
