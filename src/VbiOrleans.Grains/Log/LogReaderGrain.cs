using Orleans.Concurrency;
using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Grains.Log;

/// <summary>Answers <see cref="ILogReaderGrain"/> from this silo's log store.</summary>
[StatelessWorker]
public sealed class LogReaderGrain(ILogStore store) : Grain, ILogReaderGrain
{
    public Task<IReadOnlyList<string>> Meters(string? after, int limit) => store.MetersAsync(after, Math.Clamp(limit, 1, 10_000));
}
