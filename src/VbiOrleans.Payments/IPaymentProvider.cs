namespace VbiOrleans.Payments;

/// <summary>
/// The payment provider (docs/commerce.md): a customer record at the provider, card sources made from tokens that
/// the client got from the provider (card numbers never reach us), charges authorized uncaptured and captured once
/// the postage they pay for is durable, refunds. Every call that changes something carries an idempotency key, so a
/// retry after a timeout or a crash cannot charge twice. Amounts are mills; a card charge is in whole cents, and a
/// provider refuses other amounts with <see cref="PaymentError.InvalidRequest"/>.
/// This is the charges flow; a PaymentIntents adapter (strong customer authentication) implements the same interface.
/// </summary>
public interface IPaymentProvider
{
    /// <summary>A short name for logs and for the payment method's record: <c>stripe</c>, <c>test-mode</c>.</summary>
    string Name { get; }

    /// <summary>True when no real money moves (the in-process test-mode provider, or Stripe with a test key).</summary>
    bool IsTestMode { get; }

    Task<PaymentResult<ProviderCustomer>> CreateCustomerAsync(string customerId, string email, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Makes a card source of the customer from a token (<c>tok_visa</c>); declines are answered here for some tokens.</summary>
    Task<PaymentResult<CardSource>> AttachCardAsync(string providerCustomerId, string token, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Authorizes a charge without capturing it.</summary>
    Task<PaymentResult<Charge>> AuthorizeAsync(ChargeRequest request, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Captures an authorized charge in full.</summary>
    Task<PaymentResult<Charge>> CaptureAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Releases an authorized, uncaptured charge (a refund of the uncaptured amount: nothing is charged).</summary>
    Task<PaymentResult<Charge>> ReleaseAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Refunds part or all of a captured charge.</summary>
    Task<PaymentResult<PaymentRefund>> RefundAsync(string chargeId, long amountMills, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Reads a charge as the provider has it now (its capture, refunds and dispute).</summary>
    Task<PaymentResult<Charge>> GetChargeAsync(string chargeId, CancellationToken cancellationToken);

    /// <summary>Reads a dispute (a chargeback the card's holder opened with their bank) named by a charge's <see cref="Charge.DisputeId"/>.</summary>
    Task<PaymentResult<Dispute>> GetDisputeAsync(string disputeId, CancellationToken cancellationToken);
}

/// <summary>How a call to the provider ended, by name; the commerce grains decide from this, never from a message.</summary>
public enum PaymentError
{
    None = 0,
    /// <summary>The card was declined (the provider's decline code says why).</summary>
    Declined = 1,
    /// <summary>The card was declined for insufficient funds.</summary>
    InsufficientFunds = 2,
    /// <summary>The provider did not answer, answered 5xx, or timed out: the same call with the same key may be retried.</summary>
    Unavailable = 3,
    /// <summary>The provider asked us to slow down (429): retry later with the same key.</summary>
    RateLimited = 4,
    /// <summary>The request was refused as malformed (a bad token, an amount not in whole cents, an unknown charge).</summary>
    InvalidRequest = 5,
    /// <summary>The operation does not apply to the charge as it is (already captured, already refunded, released).</summary>
    WrongChargeState = 6,
    /// <summary>The same idempotency key was used with other parameters.</summary>
    IdempotencyConflict = 7,
}

[Orleans.GenerateSerializer, Orleans.Immutable]
public sealed record PaymentResult<T>([property: Orleans.Id(0)] PaymentError Error, [property: Orleans.Id(1)] T? Value,
    [property: Orleans.Id(2)] string? DeclineCode, [property: Orleans.Id(3)] string? Message)
{
    public bool IsSuccess => Error == PaymentError.None;

    /// <summary>True when the same call with the same idempotency key may succeed later.</summary>
    public bool IsTransient => Error is PaymentError.Unavailable or PaymentError.RateLimited;

    public static PaymentResult<T> Ok(T value) => new(PaymentError.None, value, null, null);
    public static PaymentResult<T> Fail(PaymentError error, string message, string? declineCode = null) => new(error, default, declineCode, message);
}

[Orleans.GenerateSerializer, Orleans.Immutable]
public sealed record ProviderCustomer([property: Orleans.Id(0)] string Id);

/// <summary>A card as the provider describes it: never its number, only brand, last four digits and expiry.</summary>
[Orleans.GenerateSerializer, Orleans.Immutable]
public sealed record CardSource([property: Orleans.Id(0)] string Id, [property: Orleans.Id(1)] string Brand, [property: Orleans.Id(2)] string Last4,
    [property: Orleans.Id(3)] int ExpMonth, [property: Orleans.Id(4)] int ExpYear);

/// <summary>
/// A charge of a customer's card source; or, with no <paramref name="ProviderCustomerId"/>, a one-off charge of a token
/// (<paramref name="SourceId"/> is then the token itself, which is not kept as a source).
/// </summary>
[Orleans.GenerateSerializer, Orleans.Immutable]
public sealed record ChargeRequest([property: Orleans.Id(0)] string? ProviderCustomerId, [property: Orleans.Id(1)] string SourceId,
    [property: Orleans.Id(2)] long AmountMills, [property: Orleans.Id(3)] string Description, [property: Orleans.Id(4)] IReadOnlyDictionary<string, string> Metadata);

public enum ChargeStatus
{
    /// <summary>Authorized, not captured.</summary>
    Authorized = 1,
    Captured = 2,
    /// <summary>Released before capture: nothing was charged.</summary>
    Released = 3,
    Failed = 4,
}

/// <summary>A charge; <paramref name="DisputeId"/> names its dispute once the card's holder disputed it.</summary>
[Orleans.GenerateSerializer, Orleans.Immutable]
public sealed record Charge([property: Orleans.Id(0)] string Id, [property: Orleans.Id(1)] ChargeStatus Status, [property: Orleans.Id(2)] long AmountMills,
    [property: Orleans.Id(3)] long RefundedMills, [property: Orleans.Id(4)] bool Disputed, [property: Orleans.Id(5)] string? DisputeId = null);

/// <summary>
/// A card dispute as the provider has it: the amount the bank took back from us (mills), why (the provider's reason,
/// <c>fraudulent</c>, <c>product_not_received</c>, …) and where it stands (<c>needs_response</c>, <c>won</c>, <c>lost</c>, …).
/// </summary>
[Orleans.GenerateSerializer, Orleans.Immutable]
public sealed record Dispute([property: Orleans.Id(0)] string Id, [property: Orleans.Id(1)] string ChargeId, [property: Orleans.Id(2)] long AmountMills,
    [property: Orleans.Id(3)] string Reason, [property: Orleans.Id(4)] string Status);

[Orleans.GenerateSerializer, Orleans.Immutable]
public sealed record PaymentRefund([property: Orleans.Id(0)] string Id, [property: Orleans.Id(1)] string ChargeId, [property: Orleans.Id(2)] long AmountMills);
