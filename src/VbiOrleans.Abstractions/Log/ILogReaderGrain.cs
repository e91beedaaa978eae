namespace VbiOrleans.Abstractions.Log;

/// <summary>Reads of the transaction log for operators (key 0; any silo answers from the log store).</summary>
public interface ILogReaderGrain : IGrainWithIntegerKey
{
    /// <summary>The meters that have records, in ordinal order, after <paramref name="after"/>: a page of at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> Meters(string? after, int limit);
}
