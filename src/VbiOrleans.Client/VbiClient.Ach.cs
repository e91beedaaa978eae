namespace VbiOrleans.Client;

/// <summary>
/// An ACH entry of the account: Queued, Sent (in the day's NACHA file), Settled or Returned (with its return code).
/// <see cref="Direction"/> <c>Debit</c> (a purchase or an invoice the account pays; <see cref="PurchaseId"/> the purchase
/// id or invoice number) or <c>Credit</c> (a refund paid out to the account; <c>refund-paid:{meter}:{sequence}</c>).
/// </summary>
public sealed record AchDebitInfo(string PurchaseId, string CustomerId, string PaymentMethodId, long AmountMills, DateOnly EffectiveDate, string Status,
    string TraceNumber, string? FileId, string? ReturnCode, DateTimeOffset QueuedAt, DateTimeOffset? SettledAt, DateTimeOffset? ReturnedAt,
    DateTimeOffset? ReturnPaidAt, string? ReturnPaidCharge, string Direction = "Debit");

/// <summary>ACH debits: the account's debits, and paying a returned one by card (which lifts its lock).</summary>
public sealed partial class VbiClient
{
    public Task<IReadOnlyList<AchDebitInfo>> ListAchDebitsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<AchDebitInfo>>(HttpMethod.Get, "v1/customers/me/ach-debits", null, Credentials.Customer, null,
            async (r, t) => await ReadSuccessAsync<List<AchDebitInfo>>(r, t), cancellationToken);

    /// <summary>
    /// Pays a returned ACH debit (by its trace number) with one of the account's cards; paying again answers the same
    /// debit. Fails with <see cref="VbiErrorCodes.AchReturnPaymentFailed"/> when the card is declined.
    /// </summary>
    public Task<AchDebitInfo> PayAchReturnAsync(string traceNumber, string cardPaymentMethodId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"v1/customers/me/ach-returns/{Uri.EscapeDataString(traceNumber)}/pay", new { paymentMethodId = cardPaymentMethodId },
            Credentials.Customer, null, ReadSuccessAsync<AchDebitInfo>, cancellationToken);
}
