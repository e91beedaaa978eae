namespace VbiOrleans.Abstractions.Log;

/// <summary>Reads of the transaction logs for operators (key 0; any silo answers from the log stores, every log).</summary>
public interface ILogReaderGrain : IGrainWithIntegerKey
{
    /// <summary>The meters that have records, in ordinal order, after <paramref name="after"/>: a page of at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> Meters(string? after, int limit);

    /// <summary>The names of the transaction logs: <see cref="LogNames.Home"/>, then each module database's of the shard map.</summary>
    Task<IReadOnlyList<string>> Logs();
}
