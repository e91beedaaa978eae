using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Grains.Telemetry;

namespace VbiOrleans.Grains.Modules;

/// <summary>
/// The module table's reports from the print path, coalesced on this silo: per module, the latest transaction and how
/// many there were, sent to the module's grain every quarter second (and when the silo stops). The table records each
/// module's last transaction and a count, so one message per module per interval says what a message per print did.
/// </summary>
public sealed class ModuleReports(IGrainFactory grains, ILogger<ModuleReports> logger) : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private sealed class Pending
    {
        public ModuleTransactionReport? Latest;
        public int Count;
    }

    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _startLock = new();
    private Task? _loop;

    /// <summary>Notes one transaction of the module whose grain key is <paramref name="moduleKey"/>.</summary>
    public void Add(string moduleKey, ModuleTransactionReport report)
    {
        VbiTelemetry.ModuleTransactions.Add(1, new KeyValuePair<string, object?>("kind", report.Kind.ToString()));
        var pending = _pending.GetOrAdd(moduleKey, _ => new Pending());
        lock (pending)
        {
            if (pending.Latest is null || report.At >= pending.Latest.At) pending.Latest = report;
            pending.Count++;
        }
        if (_loop is null) Start();
    }

    private void Start()
    {
        lock (_startLock) _loop ??= Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) Send();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends what has gathered since the last call, one message per module.</summary>
    public void Send()
    {
        foreach (var (moduleKey, pending) in _pending)
        {
            ModuleTransactionReport? latest;
            int count;
            lock (pending)
            {
                (latest, count) = (pending.Latest, pending.Count);
                (pending.Latest, pending.Count) = (null, 0);
            }
            if (latest is null) continue;
            try
            {
                grains.GetGrain<ICryptoModuleGrain>(moduleKey).Report(latest, count).Ignore();
            }
            catch (Exception e)
            {
                // The table is a record of activity, not of money: a lost report costs a count, never a transaction.
                logger.LogWarning("Reporting {Count} transactions to module {Module} failed: {Error}", count, moduleKey, e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is { } loop) await loop;
        Send();
        _stop.Dispose();
    }
}
