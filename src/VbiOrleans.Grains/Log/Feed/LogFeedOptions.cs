namespace VbiOrleans.Grains.Log.Feed;

/// <summary>The log feed's settings (section <c>Vbi:LogFeed</c>).</summary>
public sealed class LogFeedOptions
{
    public const string Section = "Vbi:LogFeed";

    /// <summary>At most this many records in one batch handed to a consumer.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// How often a reader that is caught up looks for new records. With the time a batch takes, this bounds the time
    /// from commit to consumer (the target is a p99 under 2 s).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How many of a log's latest records each silo keeps opened in memory for its readers (<see cref="LogReading"/>):
    /// a reader less than this far behind the newest is served from memory; one further behind reads the store itself.
    /// </summary>
    public int WindowSize { get; set; } = 4096;

    /// <summary>A read of a log's store (a head check, a batch of rows) that takes longer than this fails every reader waiting on it.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each silo makes sure every consumer's reader runs (a reader whose silo died comes back within this).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many batches in a row before the reader yields to other calls (its status, a rewind).</summary>
    public int MaxBatchesPerPoll { get; set; } = 16;

    /// <summary>A batch that takes longer than this counts as a failure (a stuck consumer) and is retried.</summary>
    public TimeSpan ApplyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait after a consumer's first failure; it doubles after each further failure, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Consecutive failures of a consumer after which each further failure is an alert (a Critical log).</summary>
    public int AlertAfterFailures { get; set; } = 3;

    public TimeSpan RetryDelayAfter(int failures)
    {
        var delay = RetryBaseDelay * Math.Pow(2, Math.Min(Math.Max(failures - 1, 0), 30));
        return delay < RetryMaxDelay ? delay : RetryMaxDelay;
    }

    public void Validate()
    {
        if (BatchSize is < 1 or > 10_000) throw new InvalidOperationException($"{Section}:BatchSize is 1 to 10000");
        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromSeconds(10)) throw new InvalidOperationException($"{Section}:PollInterval is over 0 and at most 10 s");
        if (WindowSize < BatchSize || WindowSize > 1_000_000) throw new InvalidOperationException($"{Section}:WindowSize is BatchSize to 1000000");
        if (ReadTimeout <= TimeSpan.Zero) throw new InvalidOperationException($"{Section}:ReadTimeout is over 0");
        if (KeepAliveInterval < TimeSpan.FromMilliseconds(100)) throw new InvalidOperationException($"{Section}:KeepAliveInterval is at least 100 ms");
        if (MaxBatchesPerPoll < 1) throw new InvalidOperationException($"{Section}:MaxBatchesPerPoll is at least 1");
        if (ApplyTimeout <= TimeSpan.Zero) throw new InvalidOperationException($"{Section}:ApplyTimeout is over 0");
        if (RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
            throw new InvalidOperationException($"{Section}:RetryBaseDelay is over 0 and at most RetryMaxDelay");
        if (AlertAfterFailures < 1) throw new InvalidOperationException($"{Section}:AlertAfterFailures is at least 1");
    }
}
