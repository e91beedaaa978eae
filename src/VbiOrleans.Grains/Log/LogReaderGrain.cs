using Orleans.Concurrency;
using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Grains.Log;

/// <summary>Answers <see cref="ILogReaderGrain"/> from this silo's logs (every one of them).</summary>
[StatelessWorker]
public sealed class LogReaderGrain(TransactionLogs logs) : Grain, ILogReaderGrain
{
    public Task<IReadOnlyList<string>> Meters(string? after, int limit) => logs.MetersAsync(after, Math.Clamp(limit, 1, 10_000));

    public Task<IReadOnlyList<string>> Logs() => Task.FromResult<IReadOnlyList<string>>([.. logs.All.Select(l => l.Name)]);
}
