using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>
/// Keeps every consumer's reader running: each silo asks the feed's directory every
/// <see cref="LogFeedOptions.KeepAliveInterval"/>, which activates a reader whose silo died. The readers' reminders do
/// the same, but only once a minute or more after the silo is declared dead; this bounds the feed's pause in a failover.
/// </summary>
public sealed class LogFeedKeeper(IGrainFactory grains, IOptions<LogFeedOptions> options, ILogger<LogFeedKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.KeepAliveInterval;
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await grains.GetGrain<ILogFeedDirectoryGrain>(0).Status().WaitAsync(interval, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The silo may not be active yet, or be leaving: the next tick tries again.
                logger.LogDebug("Keeping the log feed's readers running failed; retried in {Interval}: {Error}", interval, e.Message);
            }
        }
    }
}
