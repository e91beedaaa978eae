using VbiOrleans.Abstractions.Modules;

namespace VbiOrleans.Abstractions.Meters;

/// <summary>
/// A meter's money-moving HTTP requests (funds, prints, refunds, withdrawal), key: the meter id. The one grain call the
/// API makes for such a request: it keeps the request's idempotency record (the <c>commerce</c> store, one row per
/// meter and key, 24 hours) and runs the signed request through the meter's client session. The first request with a
/// key runs and its result is kept; the same key with the same body gets that result again, and the API makes the same
/// response of it, byte for byte (labels render deterministically from the indicium); the same key with another
/// transaction is refused. A request re-signed on a new challenge after a new login (same transaction, same key, other
/// envelope) runs: the meter's own idempotency store then answers with the original result (docs/client-protocol.md,
/// "Retries and replays"). Requests with the same key queue behind each other in this activation, so a retry that
/// arrives while the first is running waits for its result instead of being refused.
/// One activation per meter, not one per key: a print then calls an activation that already exists, and never waits
/// to register a new one (which, after a silo dies, waits until the cluster declares it dead).
/// </summary>
public interface IMeterRequestGrain : IGrainWithStringKey
{
    /// <param name="fingerprint">What makes two requests with one key the same request (kind, transaction, label options).</param>
    /// <param name="bodyHash">The request body's hash: the same body is a replay, another with the same fingerprint is re-signed.</param>
    /// <param name="labelOffset">The customer's calibration offset for the label's printer now; kept with the key, so the outcome's is the first request's.</param>
    Task<MeterRequestOutcome> Transact(string idempotencyKey, byte[] fingerprint, byte[] bodyHash, byte[] signedRequest, string initiatedBy,
        LabelOffset labelOffset);
}

public enum MeterRequestVerdict
{
    /// <summary>The request ran: <see cref="MeterRequestOutcome.Result"/> is the client session's answer.</summary>
    Executed = 0,
    /// <summary>The same request ran before: the result is the one kept then.</summary>
    Replayed = 1,
    /// <summary>The key was used for another transaction on this meter: refuse with IdempotencyKeyReused.</summary>
    KeyReused = 2,
}

[GenerateSerializer, Immutable]
public sealed record MeterRequestOutcome(
    [property: Id(0)] MeterRequestVerdict Verdict,
    [property: Id(1)] ClientTransactionResult? Result)
{
    /// <summary>The calibration offset the label is rendered with: the one the key's first request had.</summary>
    [Id(2)] public LabelOffset LabelOffset { get; init; } = LabelOffset.None;
}

/// <summary>A customer's calibration offset for a label's printer, in thousandths of an inch, right and down.</summary>
[GenerateSerializer, Immutable]
public sealed record LabelOffset([property: Id(0)] int XMils, [property: Id(1)] int YMils)
{
    public static readonly LabelOffset None = new(0, 0);
}
