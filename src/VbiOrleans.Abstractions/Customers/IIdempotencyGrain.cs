namespace VbiOrleans.Abstractions.Customers;

/// <summary>
/// The HTTP idempotency records of one scope (grain key: the meter id), each key's record a row of its own in the
/// <c>commerce</c> store. The first request with a key runs and its response is kept; the same key with the same body
/// gets that response again, byte for byte; the same key with another transaction is refused. A request re-signed on a
/// new challenge after a new login (same transaction, same key, other envelope) is passed through: the meter's own
/// idempotency store then answers with the original result (docs/client-protocol.md, "Retries and replays").
/// One activation per meter rather than one per key: a print then calls an activation that already exists, and never
/// waits to register a new one (which, after a silo dies, waits until the cluster declares it dead).
/// </summary>
public interface IIdempotencyGrain : IGrainWithStringKey
{
    Task<IdempotencyDecision> Begin(string key, byte[] fingerprint, byte[] bodyHash);

    /// <summary>Keeps the response of the request <see cref="Begin"/> let through (compressed).</summary>
    Task Complete(string key, byte[] fingerprint, byte[] bodyHash, int status, string contentType, byte[] body);

    /// <summary>Forgets the in-flight mark without keeping a response (the request failed inside the server; retry).</summary>
    Task Abandon(string key);
}

public enum IdempotencyVerdict
{
    /// <summary>The key is new: run the request, then <see cref="IIdempotencyGrain.Complete"/>.</summary>
    Proceed = 0,
    /// <summary>Same key, same body: answer with the stored response.</summary>
    Replay = 1,
    /// <summary>Same key, another transaction: refuse with IdempotencyKeyReused.</summary>
    Mismatch = 2,
    /// <summary>A request with this key is being processed now: refuse with IdempotencyKeyInUse.</summary>
    InProgress = 3,
    /// <summary>Same key and transaction in another signed envelope: run it (the meter answers from its own store).</summary>
    PassThrough = 4,
}

[GenerateSerializer, Immutable]
public sealed record IdempotencyDecision(
    [property: Id(0)] IdempotencyVerdict Verdict,
    [property: Id(1)] int Status,
    [property: Id(2)] string? ContentType,
    [property: Id(3)] byte[]? Body);
