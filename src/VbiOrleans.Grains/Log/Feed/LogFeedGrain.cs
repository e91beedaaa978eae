using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>
/// The reader of the log feed for one consumer (key: the consumer's name); see <see cref="ILogFeedGrain"/>. It reads
/// every transaction log (<see cref="TransactionLogs"/>), each from its own cursor: a timer reads every
/// <see cref="LogFeedOptions.PollInterval"/> (batch after batch while records wait, up to
/// <see cref="LogFeedOptions.MaxBatchesPerPoll"/> per log), and a reminder brings the reader back on another silo if its
/// silo dies. The records come from the silo's shared reading of each log (<see cref="LogFeedReadings"/>), which reads
/// and opens each record once for all the consumers on the silo. Each cursor lives in its log's store beside the log,
/// and is moved only after the consumer applied the batch: a crash between the two repeats the batch, never skips it.
/// A meter's records are in one log until its bucket moves, so they reach the consumer in order; a log that fails (its
/// database down) is retried with backoff on its own while the others go on.
/// </summary>
public sealed class LogFeedGrain(
    TransactionLogs logs,
    LogFeedReadings readings,
    IEnumerable<ILogFeedConsumer> consumers,
    IOptions<LogFeedOptions> options,
    TimeProvider clock,
    ILogger<LogFeedGrain> logger) : Grain, ILogFeedGrain, IRemindable
{
    private const string ReminderName = "keep-reading";

    /// <summary>How long a status waits for each log's head.</summary>
    private static readonly TimeSpan StatusHeadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>One log's place for this consumer: the cursor as last read or moved, the log's head, and its failures.</summary>
    private sealed class Cursor(TransactionLog log, LogReading reading)
    {
        public TransactionLog Log { get; } = log;
        public LogReading Reading { get; } = reading;
        public bool Loaded { get; set; }
        public long Position { get; set; }
        public long Head { get; set; }
        public int Failures { get; set; }
        public string? LastError { get; set; }
        public DateTimeOffset? RetryAt { get; set; }
    }

    // One read-apply-advance at a time: the timer's, or a rewind's reset of the cursors.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ILogFeedConsumer? _consumer;
    private Cursor[] _cursors = [];
    private DateTimeOffset? _lastAppliedAt;
    private long? _lastDelayMs;
    // The delays of the last records applied, for the p99 the status shows (the target is under 2 s).
    private readonly double[] _delays = new double[1024];
    private int _delayCount;
    private int _delayNext;

    private LogFeedOptions Options => options.Value;
    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _consumer = consumers.FirstOrDefault(c => c.Name == Name);
        if (_consumer is null)
        {
            // No reader for a name no silo registers: nothing to keep alive.
            logger.LogWarning("The log feed has no consumer named {Consumer}", Name);
            return;
        }
        _cursors = [.. logs.All.Select(NewCursor)];
        foreach (var cursor in _cursors)
        {
            // A log whose database does not answer now is loaded by a later poll; the others start at once.
            try
            {
                await LoadAsync(cursor, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Failed(cursor, e);
            }
        }
        VbiTelemetry.ReportFeedLag(Name, Lag());
        this.RegisterGrainTimer(PollAsync, new GrainTimerCreationOptions(Options.PollInterval, Options.PollInterval) { Interleave = true, KeepAlive = true });
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    private Cursor NewCursor(TransactionLog log) => new(log, readings.For(log));

    private async Task LoadAsync(Cursor cursor, CancellationToken cancellationToken)
    {
        var asked = Stopwatch.GetTimestamp();
        cursor.Position = await cursor.Log.Store.FeedPositionAsync(Name, cancellationToken);
        cursor.Head = await cursor.Reading.HeadAsync(asked, cancellationToken);
        cursor.Loaded = true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation is the point

    /// <summary>The status with each log's head as it is now, so a caller can wait for the records committed before it asked.</summary>
    public async Task<LogFeedStatus> Status()
    {
        // The consumers' statuses asked together (the directory's) share one head check per log.
        var asked = Stopwatch.GetTimestamp();
        foreach (var cursor in _cursors)
        {
            // Bounded: a log whose database does not answer shows its head as last read rather than hold the caller.
            using var timeout = new CancellationTokenSource(StatusHeadTimeout);
            try
            {
                cursor.Head = Math.Max(cursor.Head, await cursor.Reading.HeadAsync(asked, timeout.Token));
            }
            catch (Exception e) when (e is not OperationCanceledException || timeout.IsCancellationRequested)
            {
                // Its database is down or slow: the status shows the head as last read, and the log's failures.
            }
        }
        return CurrentStatus();
    }

    public async Task<LogFeedStatus> Rewind()
    {
        if (_consumer is null) return CurrentStatus();
        await _gate.WaitAsync();
        try
        {
            foreach (var cursor in _cursors)
            {
                await cursor.Log.Store.SetFeedPositionAsync(Name, 0, rewind: true);
                cursor.Position = 0;
                cursor.Loaded = true;
                cursor.Failures = 0;
                cursor.RetryAt = null;
                cursor.LastError = null;
            }
            logger.LogWarning("The log feed's cursors for {Consumer} were rewound to the start of every log: every record is applied again", Name);
        }
        finally
        {
            _gate.Release();
        }
        return CurrentStatus();
    }

    private long Lag() => _cursors.Sum(c => Math.Max(0, c.Head - c.Position));

    /// <summary>
    /// With one log, its cursor and head; with several, the sums (for display: <see cref="LogFeedStatus.HasReached"/>
    /// compares log by log), and the first failing log's error with its name.
    /// </summary>
    private LogFeedStatus CurrentStatus()
    {
        var failing = _cursors.Where(c => c.Failures > 0).ToList();
        var error = failing.FirstOrDefault() is { } first ? _cursors.Length == 1 ? first.LastError : $"log {first.Log.Name}: {first.LastError}" : null;
        return new LogFeedStatus(Name, _cursors.Sum(c => c.Position), _cursors.Sum(c => c.Head), Lag(), _lastAppliedAt, _lastDelayMs,
            failing.Count == 0 ? 0 : failing.Max(c => c.Failures), error, failing.Count == 0 ? null : failing.Min(c => c.RetryAt), P99DelayMs(),
            [.. _cursors.Select(c => new LogFeedCursor(c.Log.Name, c.Position, c.Head))]);
    }

    private long? P99DelayMs()
    {
        if (_delayCount == 0) return null;
        var sorted = _delays[.._delayCount];
        Array.Sort(sorted);
        return (long)sorted[(int)Math.Ceiling(0.99 * _delayCount) - 1];
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        if (!await _gate.WaitAsync(0, cancellationToken)) return; // the previous poll (or a rewind) is still running
        try
        {
            // A log opened since (a module database a shard move brought in) is read from the next poll on, from its
            // stored cursor; logs are only ever added, after the ones already read.
            var all = logs.Current();
            if (all.Count > _cursors.Length) _cursors = [.. _cursors, .. all.Skip(_cursors.Length).Select(NewCursor)];
            foreach (var cursor in _cursors)
            {
                if (cancellationToken.IsCancellationRequested) break;
                if (cursor.RetryAt is { } due && clock.GetUtcNow() < due) continue;
                try
                {
                    if (!cursor.Loaded) await LoadAsync(cursor, cancellationToken);
                    for (var batch = 0; batch < Options.MaxBatchesPerPoll && !cancellationToken.IsCancellationRequested; batch++)
                    {
                        if (!await ReadAndApplyAsync(cursor, cancellationToken)) break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Failed(cursor, e);
                }
            }
        }
        finally
        {
            _gate.Release();
            VbiTelemetry.ReportFeedLag(Name, Lag());
        }
    }

    /// <summary>Reads one batch of a log after its cursor, has the consumer apply it, then moves the cursor. False when caught up.</summary>
    private async Task<bool> ReadAndApplyAsync(Cursor cursor, CancellationToken cancellationToken)
    {
        var log = cursor.Log;
        var read = await cursor.Reading.ReadAsync(cursor.Position, Options.BatchSize, cancellationToken);
        if (read.Count == 0)
        {
            // At the head (as the silo's last head check of this log saw it): nothing to query.
            cursor.Head = Math.Max(cursor.Head, cursor.Reading.Head);
            Succeeded(cursor);
            return false;
        }
        var records = read.Select(r => r.Record).ToList();
        var started = Stopwatch.GetTimestamp();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(Options.ApplyTimeout);
            try
            {
                // WaitAsync too: a consumer that ignores its token still cannot hold the reader past the timeout.
                await _consumer!.ApplyAsync(records, timeout.Token).WaitAsync(Options.ApplyTimeout, clock, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new TimeoutException($"the consumer did not apply {records.Count} records within {Options.ApplyTimeout}");
            }
        }
        var last = read[^1].Position;
        await log.Store.SetFeedPositionAsync(Name, last, cancellationToken: cancellationToken);
        cursor.Position = last;
        cursor.Head = Math.Max(cursor.Head, last);
        var now = clock.GetUtcNow();
        _lastAppliedAt = now;
        _lastDelayMs = (long)Math.Max(0, (now - records[^1].At).TotalMilliseconds);
        foreach (var record in records)
        {
            var delay = Math.Max(0, (now - record.At).TotalMilliseconds);
            VbiTelemetry.FeedDelay.Record(delay, new KeyValuePair<string, object?>("consumer", Name));
            _delays[_delayNext] = delay;
            _delayNext = (_delayNext + 1) % _delays.Length;
            _delayCount = Math.Min(_delayCount + 1, _delays.Length);
        }
        VbiTelemetry.FeedApplied.Add(records.Count, new KeyValuePair<string, object?>("consumer", Name));
        logger.LogDebug("Log feed {Consumer}: applied {Count} records of the log {Log} to position {Position} in {Elapsed} ms", Name, records.Count, log.Name, last,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Succeeded(cursor);
        // More may wait even after a short batch (the window's end, not the log's): asking again is answered from memory,
        // or joins the silo's one read of the log's tail, so it costs no query of this reader's own.
        return true;
    }

    private void Succeeded(Cursor cursor)
    {
        if (cursor.Failures > 0)
            logger.LogInformation("Log feed {Consumer} recovered on the log {Log} after {Failures} failed attempts", Name, cursor.Log.Name, cursor.Failures);
        cursor.Failures = 0;
        cursor.LastError = null;
        cursor.RetryAt = null;
    }

    private void Failed(Cursor cursor, Exception e)
    {
        cursor.Failures++;
        cursor.LastError = $"{e.GetType().Name}: {e.Message}";
        var delay = Options.RetryDelayAfter(cursor.Failures);
        cursor.RetryAt = clock.GetUtcNow() + delay;
        VbiTelemetry.FeedFailures.Add(1, new KeyValuePair<string, object?>("consumer", Name));
        if (cursor.Failures >= Options.AlertAfterFailures)
        {
            logger.LogCritical(LogFeedEvents.ConsumerFailing,
                "ALERT log feed consumer {Consumer} has failed {Failures} times in a row at position {Position} of the log {Log}; retried in {Delay}: {Error}",
                Name, cursor.Failures, cursor.Position, cursor.Log.Name, delay, cursor.LastError);
        }
        else
        {
            logger.LogWarning(LogFeedEvents.ConsumerFailed, "Log feed consumer {Consumer} failed at position {Position} of the log {Log}; retried in {Delay}: {Error}",
                Name, cursor.Position, cursor.Log.Name, delay, cursor.LastError);
        }
    }
}

/// <summary>The feed's log events, with ids that stay the same so alerting can match them.</summary>
public static class LogFeedEvents
{
    public static readonly EventId ConsumerFailed = new(1700, "LogFeedConsumerFailed");

    /// <summary>A consumer failed <see cref="LogFeedOptions.AlertAfterFailures"/> times in a row: an alert (Critical).</summary>
    public static readonly EventId ConsumerFailing = new(1701, "LogFeedConsumerFailing");
}
