namespace VbiOrleans.Abstractions.Partners;

/// <summary>
/// A partner integration (key "partner/{partnerId}") in the <c>commerce</c> store: its request-signing secret and
/// webhook secret (wrapped by the module master key in the HSM), its webhook URL, and the customers who linked it.
/// </summary>
public interface IPartnerGrain : IGrainWithStringKey
{
    static string Key(string partnerId) => "partner/" + partnerId;

    /// <summary>Operators: creates the partner with the secrets made by the API (shown to the operator once).</summary>
    Task<PartnerResult> Create(string name, byte[] secret, byte[] webhookSecret, string? webhookUrl, string createdBy);

    Task<PartnerView?> Get();

    /// <summary>The request-signing secret, or null for an unknown partner.</summary>
    Task<byte[]?> Secret();

    /// <summary>The webhook URL and secret, or null when none is set.</summary>
    Task<WebhookTarget?> WebhookTarget();

    Task<PartnerResult> SetWebhook(string? url);

    Task LinkCustomer(string customerId);

    Task UnlinkCustomer(string customerId);
}

[GenerateSerializer, Immutable]
public sealed record PartnerView(
    [property: Id(0)] string PartnerId,
    [property: Id(1)] string Name,
    [property: Id(2)] string? WebhookUrl,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] string CreatedBy,
    [property: Id(5)] int LinkedCustomers);

[GenerateSerializer, Immutable]
public sealed record PartnerResult([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] PartnerView? Partner)
{
    public bool IsSuccess => Error == ErrorCode.None;
    public static PartnerResult Fail(ErrorCode error, string message) => new(error, message, null);
}

[GenerateSerializer, Immutable]
public sealed record WebhookTarget([property: Id(0)] string Url, [property: Id(1)] byte[] Secret);

/// <summary>
/// The nonces of one partner's accepted requests (key "partner/{partnerId}"), until their timestamps leave the replay
/// window: the cluster-wide <c>INonceCache</c>. Persisted, so a silo failure does not reopen the window.
/// </summary>
public interface IPartnerNonceGrain : IGrainWithStringKey
{
    Task<bool> TryAdd(string nonce, DateTimeOffset now, DateTimeOffset expiresAt);
}

/// <summary>
/// One partner's webhooks (key "partner/{partnerId}"): a durable outbox, delivery with a signature and retries with
/// exponential backoff (a timer while active, a reminder while anything is pending), and the delivery log.
/// </summary>
public interface IWebhookDispatcherGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues events derived from the transaction log by the log feed, in log order. A meter's event whose sequence is
    /// at or below the last one queued for that meter is a repeated delivery of the feed and is dropped, so each
    /// transaction is queued once however often the feed delivers it.
    /// </summary>
    Task Enqueue(IReadOnlyList<LoggedWebhookEvent> events);

    /// <summary>The newest delivery attempts first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> Deliveries(int limit);

    /// <summary>Events still waiting for a successful delivery.</summary>
    Task<int> Pending();
}

/// <summary>An event for partners: id (stable per meter transaction), type (pvd.completed, print.completed, refund.completed), JSON body.</summary>
[GenerateSerializer, Immutable]
public sealed record WebhookEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] byte[] Body);

/// <summary>A partner's event for one logged transaction of a meter: the meter and sequence it is idempotent by.</summary>
[GenerateSerializer, Immutable]
public sealed record LoggedWebhookEvent([property: Id(0)] string MeterId, [property: Id(1)] long Sequence, [property: Id(2)] WebhookEvent Event);

/// <summary>One delivery attempt: the HTTP status (0 when no response) or the error, and whether it was the last try.</summary>
[GenerateSerializer, Immutable]
public sealed record WebhookDelivery(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] int Attempt,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] int Status,
    [property: Id(5)] string? Error,
    [property: Id(6)] bool Delivered,
    [property: Id(7)] DateTimeOffset? NextAttemptAt,
    [property: Id(8)] long DurationMs);
