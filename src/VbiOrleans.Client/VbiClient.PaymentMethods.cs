namespace VbiOrleans.Client;

public sealed partial class VbiClient
{
    // ---- payment methods -----------------------------------------------------------------------------------------

    /// <summary>
    /// Adds a card from a payment provider token (<c>tok_…</c>: the card went to the provider, never to us). A declined
    /// card throws <see cref="VbiApiException"/> with <see cref="VbiErrorCodes.PaymentDeclined"/> or
    /// <see cref="VbiErrorCodes.PaymentInsufficientFunds"/>. The same <paramref name="idempotencyKey"/> answers the same
    /// method. Needs a customer token or a partner acting for the customer.
    /// </summary>
    public Task<PaymentMethod> AddCardAsync(string token, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return AddPaymentMethodAsync(new { card = new { token } }, idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// Adds a US bank account for ACH debits with the customer's acceptance of the ACH debit authorization of
    /// <paramref name="acceptedAuthorizationVersion"/> (<see cref="GetAchAuthorizationAsync"/>: show its text first).
    /// A bad routing number throws with <see cref="VbiErrorCodes.InvalidRoutingNumber"/> and nothing is kept.
    /// </summary>
    public Task<PaymentMethod> AddBankAccountAsync(BankAccount account, string acceptedAuthorizationVersion, string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var body = new
        {
            bank = new
            {
                routingNumber = account.RoutingNumber,
                accountNumber = account.AccountNumber,
                accountType = account.Savings ? "savings" : "checking",
                holderName = account.HolderName,
                authorization = new { accepted = true, textVersion = acceptedAuthorizationVersion },
            },
        };
        return AddPaymentMethodAsync(body, idempotencyKey, cancellationToken);
    }

    /// <summary>The ACH debit authorization text and its version.</summary>
    public Task<AchAuthorizationText> GetAchAuthorizationAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/payment-methods/ach-authorization", null, Credentials.Customer, null, ReadSuccessAsync<AchAuthorizationText>, cancellationToken);

    /// <summary>The account's payment methods, oldest first.</summary>
    public Task<IReadOnlyList<PaymentMethod>> ListPaymentMethodsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<PaymentMethod>>(HttpMethod.Get, "v1/payment-methods", null, Credentials.Customer, null,
            async (r, t) => await ReadSuccessAsync<List<PaymentMethod>>(r, t), cancellationToken);

    /// <summary>Stops using a payment method; the default passes to the oldest remaining one.</summary>
    public Task<PaymentMethod> RemovePaymentMethodAsync(string methodId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(methodId);
        return SendAsync(HttpMethod.Delete, "v1/payment-methods/" + Uri.EscapeDataString(methodId), null, Credentials.Customer, null,
            ReadSuccessAsync<PaymentMethod>, cancellationToken);
    }

    /// <summary>Makes a payment method the default (what funding pays with when no method is named).</summary>
    public Task<PaymentMethod> SetDefaultPaymentMethodAsync(string methodId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(methodId);
        return SendAsync(HttpMethod.Put, "v1/payment-methods/" + Uri.EscapeDataString(methodId) + "/default", null, Credentials.Customer, null,
            ReadSuccessAsync<PaymentMethod>, cancellationToken);
    }

    private Task<PaymentMethod> AddPaymentMethodAsync(object body, string? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/payment-methods", body, Credentials.Customer,
            new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey ?? NewIdempotencyKey() }, ReadSuccessAsync<PaymentMethod>, cancellationToken);
}
