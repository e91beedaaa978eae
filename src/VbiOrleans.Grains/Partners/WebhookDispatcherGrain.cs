using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Partners;
using VbiOrleans.Protocol.Partners;

namespace VbiOrleans.Grains.Partners;

/// <summary>The section <c>Vbi:Webhooks</c>: how webhooks are retried.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Vbi:Webhooks";

    /// <summary>The wait after the first failed attempt; it doubles after each further failure, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Attempts before an event is given up (and left in the delivery log as failed).</summary>
    public int MaxAttempts { get; set; } = 12;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan DelayAfter(int failedAttempts)
    {
        var delay = BaseDelay * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        return delay < MaxDelay ? delay : MaxDelay;
    }
}

[GenerateSerializer]
public sealed class WebhookDispatcherState
{
    [Id(0)] public List<PendingWebhook> Outbox { get; set; } = [];
    /// <summary>Per meter, the sequence of the last event queued: the log feed delivers at least once, in order per meter.</summary>
    [Id(3)] public Dictionary<string, long> QueuedThrough { get; set; } = [];
    /// <summary>Delivery attempts, oldest first (the newest 200).</summary>
    [Id(2)] public List<WebhookDelivery> Log { get; set; } = [];
}

[GenerateSerializer]
public sealed class PendingWebhook
{
    [Id(0)] public required WebhookEvent Event { get; set; }
    [Id(1)] public int Attempts { get; set; }
    [Id(2)] public DateTimeOffset NextAttemptAt { get; set; }
}

/// <summary>
/// One partner's webhook outbox (see <see cref="IWebhookDispatcherGrain"/>). Events are written to the outbox before
/// <see cref="Enqueue"/> returns; a timer delivers them in order while the grain is active, and a reminder reactivates
/// it while anything is pending (after a restart or a silo failure). Each attempt is signed anew (Vbi-Signature, with
/// the current time) over the exact body bytes, and logged.
/// </summary>
public sealed class WebhookDispatcherGrain(
    [PersistentState(stateName: "webhookOutbox", storageName: StorageNames.Commerce)] IPersistentState<WebhookDispatcherState> outbox,
    IOptions<WebhookOptions> options,
    WebhookHttp http,
    TimeProvider clock,
    ILogger<WebhookDispatcherGrain> logger) : Grain, IWebhookDispatcherGrain, IRemindable
{
    private const string ReminderName = "webhooks";

    // Deliveries run in an interleaving timer, so a slow receiver never holds up Enqueue (called by the log feed);
    // every change of state and every write happens under this gate.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IGrainTimer? _timer;
    private bool _delivering;

    private string PartnerKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (outbox.State.Outbox.Count > 0) StartTimer();
        return Task.CompletedTask;
    }

    public async Task Enqueue(IReadOnlyList<LoggedWebhookEvent> events)
    {
        bool first;
        await _gate.WaitAsync();
        try
        {
            first = outbox.State.Outbox.Count == 0;
            var queued = 0;
            foreach (var logged in events)
            {
                if (outbox.State.QueuedThrough.TryGetValue(logged.MeterId, out var through) && logged.Sequence <= through) continue;
                outbox.State.QueuedThrough[logged.MeterId] = logged.Sequence;
                outbox.State.Outbox.Add(new PendingWebhook { Event = logged.Event, NextAttemptAt = clock.GetUtcNow() });
                queued++;
            }
            if (queued == 0) return;
            await outbox.WriteStateAsync();
        }
        finally
        {
            _gate.Release();
        }
        if (first) await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartTimer();
    }

    public Task<IReadOnlyList<WebhookDelivery>> Deliveries(int limit) =>
        Task.FromResult<IReadOnlyList<WebhookDelivery>>([.. Enumerable.Reverse(outbox.State.Log).Take(Math.Clamp(limit, 1, 200))]);

    public Task<int> Pending() => Task.FromResult(outbox.State.Outbox.Count);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (outbox.State.Outbox.Count > 0)
        {
            StartTimer();
            return;
        }
        if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(DeliverDueAsync,
            new GrainTimerCreationOptions(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250)) { Interleave = true, KeepAlive = true });

    private async Task DeliverDueAsync(CancellationToken cancellationToken)
    {
        if (_delivering) return;
        _delivering = true;
        try
        {
            var target = await GrainFactory.GetGrain<IPartnerGrain>(PartnerKey).WebhookTarget();
            while (outbox.State.Outbox.FirstOrDefault() is { } next && next.NextAttemptAt <= clock.GetUtcNow())
            {
                // One event at a time, in order: a receiver sees a meter's events in the order they happened.
                var attempt = next.Attempts + 1;
                var (status, error, elapsed) = target is null ? (0, "the partner has no webhook URL; not delivered", 0L) : await SendAsync(target, next.Event, cancellationToken);
                var delivered = status is >= 200 and < 300;
                var giveUp = target is null; // nowhere to deliver: logged once, not retried
                await _gate.WaitAsync(cancellationToken);
                try
                {
                    var now = clock.GetUtcNow();
                    DateTimeOffset? retryAt = null;
                    if (delivered || giveUp || attempt >= options.Value.MaxAttempts)
                    {
                        outbox.State.Outbox.Remove(next);
                        if (!delivered) logger.LogWarning("Webhook {EventId} to {Partner} given up after {Attempts} attempts", next.Event.EventId, PartnerKey, attempt);
                    }
                    else
                    {
                        next.Attempts = attempt;
                        next.NextAttemptAt = (retryAt = now + options.Value.DelayAfter(attempt)).Value;
                    }
                    outbox.State.Log.Add(new WebhookDelivery(next.Event.EventId, next.Event.Type, attempt, now, status, error, delivered, retryAt, elapsed));
                    if (outbox.State.Log.Count > 200) outbox.State.Log.RemoveRange(0, outbox.State.Log.Count - 200);
                    await outbox.WriteStateAsync();
                }
                finally
                {
                    _gate.Release();
                }
                if (!delivered && !giveUp) break; // later events wait behind a failing one
            }
            if (outbox.State.Outbox.Count == 0 && _timer is not null)
            {
                _timer.Dispose();
                _timer = null;
                if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
            }
        }
        finally
        {
            _delivering = false;
        }
    }

    private async Task<(int Status, string? Error, long ElapsedMs)> SendAsync(WebhookTarget target, WebhookEvent evt, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(evt.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Create(clock.GetUtcNow().ToUnixTimeSeconds(), evt.Body, target.Secret));
            request.Headers.TryAddWithoutValidation("Vbi-Event-Id", evt.EventId);
            request.Headers.TryAddWithoutValidation("Vbi-Event-Type", evt.Type);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("VbiOrleans-Webhooks", "1"));
            using var response = await http.Client.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            return (status, status is >= 200 and < 300 ? null : $"HTTP {status}", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return (0, e is OperationCanceledException ? "timed out" : e.Message, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
