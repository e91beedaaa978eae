using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Grains.Modules;

[GenerateSerializer]
public sealed class SystemGuardState
{
    [Id(0)] public List<DateTimeOffset> Failures { get; set; } = [];
    [Id(1)] public bool Stopped { get; set; }
    [Id(2)] public string? Reason { get; set; }
    [Id(3)] public DateTimeOffset? StoppedAt { get; set; }
    [Id(4)] public string? StoppedBy { get; set; }
}

/// <summary>
/// The seed's system-wide shutdown: more verification failures than the threshold within the window stop PVD and
/// printing everywhere, until an operator resumes. An operator may stop them by hand too. One activation; its state is
/// in the postal store.
/// </summary>
public sealed class SystemGuardGrain(
    [PersistentState(stateName: "systemGuard", storageName: StorageNames.Postal)] IPersistentState<SystemGuardState> state,
    IOptions<ModuleOptions> options,
    TimeProvider clock,
    ILogger<SystemGuardGrain> logger) : Grain, ISystemGuardGrain
{
    public async Task ReportVerificationFailure(string meterId, string moduleSerial, string reason)
    {
        var now = clock.GetUtcNow();
        var s = state.State;
        s.Failures.RemoveAll(t => now - t > options.Value.ShutdownWindow);
        s.Failures.Add(now);
        if (!s.Stopped && s.Failures.Count > options.Value.ShutdownThreshold)
        {
            s.Stopped = true;
            s.StoppedAt = now;
            s.Reason = $"{s.Failures.Count} verification failures within {options.Value.ShutdownWindow} (last: meter {meterId} on module {moduleSerial}: {reason})";
            logger.LogCritical(VbiTelemetry.SystemStoppedEvent, "System stopped: {Reason}", s.Reason);
        }
        await state.WriteStateAsync();
    }

    public Task<SystemGuardStatus> Status()
    {
        var s = state.State;
        var now = clock.GetUtcNow();
        return Task.FromResult(new SystemGuardStatus(s.Stopped, s.Reason, s.Failures.Count(t => now - t <= options.Value.ShutdownWindow), s.StoppedAt,
            s.StoppedBy));
    }

    public async Task<SystemStopResult> Stop(string operatorName, string reason)
    {
        var s = state.State;
        if (s.Stopped)
        {
            logger.LogWarning(VbiTelemetry.SystemStoppedByOperatorEvent, "Operator {Operator} asked to stop the system, which is stopped already (since {StoppedAt}: {Reason})",
                operatorName, s.StoppedAt, s.Reason);
            return new SystemStopResult(AlreadyStopped: true, await Status());
        }
        s.Stopped = true;
        s.StoppedAt = clock.GetUtcNow();
        s.StoppedBy = operatorName;
        s.Reason = reason;
        await state.WriteStateAsync();
        logger.LogCritical(VbiTelemetry.SystemStoppedByOperatorEvent, "System stopped by operator {Operator}: {Reason}", operatorName, reason);
        return new SystemStopResult(AlreadyStopped: false, await Status());
    }

    public async Task<SystemGuardStatus> Resume(string operatorName)
    {
        var s = state.State;
        logger.LogWarning(VbiTelemetry.SystemResumedEvent, "System resumed by operator {Operator} (was: {Reason})", operatorName, s.Reason);
        s.Stopped = false;
        s.Reason = null;
        s.StoppedAt = null;
        s.StoppedBy = null;
        s.Failures.Clear();
        await state.WriteStateAsync();
        return await Status();
    }
}

/// <summary>
/// Each silo's view of the guard, refreshed at most once a second, so the print path does not call the single
/// guard activation on every command. A stop reaches every silo within about a second. One refresh runs at a time; a
/// command waits for it at most <see cref="Patience"/> when the status it has is younger than <see cref="MaxStale"/>:
/// when the guard's silo has died, the refresh waits until membership declares it dead (about 1.5 s), and the print
/// path of every meter must not wait with it.
/// </summary>
public sealed class SystemGuardView(IGrainFactory grains, TimeProvider clock)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxStale = TimeSpan.FromSeconds(5);
    private readonly Lock _lock = new();
    private SystemGuardStatus? _status;
    private DateTimeOffset _readAt;
    private Task<SystemGuardStatus>? _refresh;

    /// <summary>The reason when the system is stopped; null when it runs.</summary>
    public async Task<string?> IsStoppedAsync()
    {
        var now = clock.GetUtcNow();
        SystemGuardStatus? known;
        Task<SystemGuardStatus> refresh;
        lock (_lock)
        {
            known = _status;
            if (known is not null && now - _readAt <= MaxAge) return Answer(known);
            if (known is not null && now - _readAt > MaxStale) known = null;
            // Off the calling grain's turn: the refresh outlives a command that stops waiting for it.
            refresh = _refresh ??= Task.Run(RefreshAsync);
        }
        if (known is null) return Answer(await refresh);
        try
        {
            return Answer(await refresh.WaitAsync(Patience, clock));
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return Answer(known);
        }
    }

    private async Task<SystemGuardStatus> RefreshAsync()
    {
        try
        {
            var status = await grains.GetGrain<ISystemGuardGrain>(0).Status();
            lock (_lock)
            {
                _status = status;
                _readAt = clock.GetUtcNow();
            }
            return status;
        }
        finally
        {
            lock (_lock) _refresh = null;
        }
    }

    private static string? Answer(SystemGuardStatus status) => status.Stopped ? status.Reason ?? "stopped" : null;

    public void Invalidate()
    {
        lock (_lock) _status = null;
    }
}
