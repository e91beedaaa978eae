using Orleans.Concurrency;
using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>The consumers this silo registers, and their readers; see <see cref="ILogFeedDirectoryGrain"/>.</summary>
[StatelessWorker]
public sealed class LogFeedDirectoryGrain(IEnumerable<ILogFeedConsumer> consumers) : Grain, ILogFeedDirectoryGrain
{
    public async Task<IReadOnlyList<LogFeedStatus>> Status() =>
        await Task.WhenAll(consumers.Select(c => GrainFactory.GetGrain<ILogFeedGrain>(c.Name).Status()));

    public async Task<LogFeedStatus?> Rewind(string consumer) =>
        consumers.Any(c => c.Name == consumer) ? await GrainFactory.GetGrain<ILogFeedGrain>(consumer).Rewind() : null;
}
