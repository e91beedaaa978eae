namespace VbiOrleans.Client;

/// <summary>
/// One part of a payout: <c>card</c>, a refund against the card charge <see cref="Reference"/> (the provider's refund id
/// once made), or <c>ach</c>, an ACH credit to the bank account <see cref="Reference"/> (its trace number once queued).
/// </summary>
public sealed record RefundPayoutPartInfo(string Method, string Reference, long AmountMills, string? PaidReference);

/// <summary>
/// A withdrawal's balance paid back (docs/commerce.md, "Refunds paid out"): Pending, Paid (refunded to the card
/// charges in <see cref="Parts"/>) or Stuck (an operator decides); <see cref="Failure"/> says why one is not paid.
/// </summary>
public sealed record RefundPayoutInfo(string Id, string CustomerId, string MeterId, long Sequence, long AmountMills, string Status, long PaidMills,
    IReadOnlyList<RefundPayoutPartInfo> Parts, string? Failure, DateTimeOffset? PaidAt);

/// <summary>Refunds of withdrawn postage paid out to the account.</summary>
public sealed partial class VbiClient
{
    public Task<IReadOnlyList<RefundPayoutInfo>> ListRefundsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<RefundPayoutInfo>>(HttpMethod.Get, "v1/customers/me/refunds", null, Credentials.Customer, null,
            async (r, t) => await ReadSuccessAsync<List<RefundPayoutInfo>>(r, t), cancellationToken);
}
