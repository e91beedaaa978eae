using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>
/// The reader of the log feed for one consumer (key: the consumer's name); see <see cref="ILogFeedGrain"/>. A timer
/// reads every <see cref="LogFeedOptions.PollInterval"/> (batch after batch while records wait, up to
/// <see cref="LogFeedOptions.MaxBatchesPerPoll"/>), and a reminder brings the reader back on another silo if its
/// silo dies. The cursor lives in the log store beside the log, and is moved only after the consumer applied the
/// batch: a crash between the two repeats the batch, never skips it.
/// </summary>
public sealed class LogFeedGrain(
    TransactionLog log,
    IEnumerable<ILogFeedConsumer> consumers,
    IOptions<LogFeedOptions> options,
    TimeProvider clock,
    ILogger<LogFeedGrain> logger) : Grain, ILogFeedGrain, IRemindable
{
    private const string ReminderName = "keep-reading";

    // One read-apply-advance at a time: the timer's, or a rewind's reset of the cursor.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ILogFeedConsumer? _consumer;
    private long _position;
    private long _head;
    private DateTimeOffset? _lastAppliedAt;
    private long? _lastDelayMs;
    private int _failures;
    private string? _lastError;
    private DateTimeOffset? _retryAt;
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
        _position = await log.Store.FeedPositionAsync(Name, cancellationToken);
        _head = await log.Store.HeadAsync(cancellationToken);
        VbiTelemetry.ReportFeedLag(Name, Math.Max(0, _head - _position));
        this.RegisterGrainTimer(PollAsync, new GrainTimerCreationOptions(Options.PollInterval, Options.PollInterval) { Interleave = true, KeepAlive = true });
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation is the point

    /// <summary>The status with the log's head as it is now, so a caller can wait for the records committed before it asked.</summary>
    public async Task<LogFeedStatus> Status()
    {
        if (_consumer is not null) _head = Math.Max(_head, await log.Store.HeadAsync());
        return CurrentStatus();
    }

    public async Task<LogFeedStatus> Rewind()
    {
        if (_consumer is null) return CurrentStatus();
        await _gate.WaitAsync();
        try
        {
            await log.Store.SetFeedPositionAsync(Name, 0, rewind: true);
            _position = 0;
            _failures = 0;
            _retryAt = null;
            _lastError = null;
            logger.LogWarning("The log feed's cursor for {Consumer} was rewound to the start of the log: every record is applied again", Name);
        }
        finally
        {
            _gate.Release();
        }
        return CurrentStatus();
    }

    private LogFeedStatus CurrentStatus() =>
        new(Name, _position, _head, Math.Max(0, _head - _position), _lastAppliedAt, _lastDelayMs, _failures, _lastError, _retryAt, P99DelayMs());

    private long? P99DelayMs()
    {
        if (_delayCount == 0) return null;
        var sorted = _delays[.._delayCount];
        Array.Sort(sorted);
        return (long)sorted[(int)Math.Ceiling(0.99 * _delayCount) - 1];
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        if (_retryAt is { } due && clock.GetUtcNow() < due) return;
        if (!await _gate.WaitAsync(0, cancellationToken)) return; // the previous poll (or a rewind) is still running
        try
        {
            for (var batch = 0; batch < Options.MaxBatchesPerPoll && !cancellationToken.IsCancellationRequested; batch++)
            {
                if (!await ReadAndApplyAsync(cancellationToken)) break;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Failed(e);
        }
        finally
        {
            _gate.Release();
            VbiTelemetry.ReportFeedLag(Name, Math.Max(0, _head - _position));
        }
    }

    /// <summary>Reads one batch after the cursor, has the consumer apply it, then moves the cursor. False when caught up.</summary>
    private async Task<bool> ReadAndApplyAsync(CancellationToken cancellationToken)
    {
        var rows = await log.Store.ReadCommittedAsync(_position, Options.BatchSize, cancellationToken);
        if (rows.Count == 0)
        {
            _head = await log.Store.HeadAsync(cancellationToken);
            Succeeded();
            return false;
        }
        var key = await log.KeyAsync();
        var records = rows.Select(r => log.Open(r.Row, key)).ToList();
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
        var last = rows[^1].Position;
        await log.Store.SetFeedPositionAsync(Name, last, cancellationToken: cancellationToken);
        _position = last;
        _head = Math.Max(_head, last);
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
        logger.LogDebug("Log feed {Consumer}: applied {Count} records to position {Position} in {Elapsed} ms", Name, records.Count, last,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Succeeded();
        return rows.Count == Options.BatchSize;
    }

    private void Succeeded()
    {
        if (_failures > 0) logger.LogInformation("Log feed {Consumer} recovered after {Failures} failed attempts", Name, _failures);
        _failures = 0;
        _lastError = null;
        _retryAt = null;
    }

    private void Failed(Exception e)
    {
        _failures++;
        _lastError = $"{e.GetType().Name}: {e.Message}";
        var delay = Options.RetryDelayAfter(_failures);
        _retryAt = clock.GetUtcNow() + delay;
        VbiTelemetry.FeedFailures.Add(1, new KeyValuePair<string, object?>("consumer", Name));
        if (_failures >= Options.AlertAfterFailures)
        {
            logger.LogCritical(LogFeedEvents.ConsumerFailing,
                "ALERT log feed consumer {Consumer} has failed {Failures} times in a row at position {Position}; retried in {Delay}: {Error}",
                Name, _failures, _position, delay, _lastError);
        }
        else
        {
            logger.LogWarning(LogFeedEvents.ConsumerFailed, "Log feed consumer {Consumer} failed at position {Position}; retried in {Delay}: {Error}",
                Name, _position, delay, _lastError);
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
