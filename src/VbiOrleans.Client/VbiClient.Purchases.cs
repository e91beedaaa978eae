namespace VbiOrleans.Client;

/// <summary>
/// A postage purchase: its <see cref="Id"/> is the payment reference of the PVD it pays for. <see cref="Status"/> is
/// Authorized, Claimed, Settled, Released or Reversed; <see cref="ChargeId"/> the payment provider's charge of a card.
/// </summary>
public sealed record PurchaseInfo(string Id, string MeterId, long AmountMills, string PaymentMethodId, string MethodKind, string Status,
    DateTimeOffset CreatedAt, long? PvdSequence, DateTimeOffset? SettledAt, string? ChargeId);

/// <summary>Buying postage (docs/commerce.md): a purchase authorized on a payment method, then the signed PVD that uses it.</summary>
public sealed partial class VbiClient
{
    /// <summary>
    /// Authorizes a purchase of <paramref name="amountMills"/> for a meter on a payment method (the default when null).
    /// The same <paramref name="idempotencyKey"/> answers the same purchase, so a call that timed out is retried with it.
    /// </summary>
    public Task<PurchaseInfo> CreatePurchaseAsync(string meterId, long amountMills, string idempotencyKey, string? paymentMethodId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        return SendAsync(HttpMethod.Post, "v1/purchases", new { meterId, amountMills, paymentMethodId }, Credentials.Customer,
            new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey }, ReadSuccessAsync<PurchaseInfo>, cancellationToken);
    }

    public Task<PurchaseInfo> GetPurchaseAsync(string purchaseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(purchaseId);
        return SendAsync(HttpMethod.Get, "v1/purchases/" + Uri.EscapeDataString(purchaseId), null, Credentials.Customer, null,
            ReadSuccessAsync<PurchaseInfo>, cancellationToken);
    }
}
