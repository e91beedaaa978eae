namespace VbiOrleans.Abstractions.Export;

/// <summary>
/// One PSD transaction record of the log as the nightly export may see it: the allow-list of its facts and nothing
/// else (no sealed package, checkpoint, key token, certificate, HMK, password verifier, idempotency key, shipment
/// address, indicium bytes or free-form payment reference). The customer is named only by a pseudonym.
/// Amounts are mills; <see cref="AscendingMills"/>, <see cref="DescendingMills"/> and <see cref="PieceCount"/> are
/// the registers after the transaction (null for an event, which changes no register).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TransactionFact(
    [property: Id(0)] string MeterId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Kind,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string ModuleSerial,
    [property: Id(6)] long? AscendingMills,
    [property: Id(7)] long? DescendingMills,
    [property: Id(8)] long? PieceCount,
    [property: Id(9)] string? MailClass,
    [property: Id(10)] string? DestinationZip5,
    [property: Id(11)] string? ItemKind,
    [property: Id(12)] string? IndiciumId,
    [property: Id(13)] string? TrackingNumber,
    [property: Id(14)] string? RefundedIndiciumId,
    [property: Id(15)] string? PurchaseId,
    [property: Id(16)] string? CustomerPseudonym,
    [property: Id(17)] string InitiatedBy);

/// <summary>A meter's registers at the end of a day: those of its newest row-changing record before the day ended.</summary>
[GenerateSerializer, Immutable]
public sealed record MeterRegistersFact(
    [property: Id(0)] string MeterId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] long AscendingMills,
    [property: Id(3)] long DescendingMills,
    [property: Id(4)] long PieceCount,
    [property: Id(5)] string State,
    [property: Id(6)] DateTimeOffset LastTransactionAt,
    [property: Id(7)] string? CustomerPseudonym);

/// <summary>
/// A purchase (one payment for one PVD) as the export may see it: written on the day, and as it stands when read. No
/// payment method details beyond its kind (no card token, card or account number, provider ids), the customer by
/// pseudonym only. <see cref="Status"/> is a <c>PurchaseStatus</c> name.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PurchaseFact(
    [property: Id(0)] string PurchaseId,
    [property: Id(1)] string CustomerPseudonym,
    [property: Id(2)] string MeterId,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] string PaymentMethodKind,
    [property: Id(5)] string Status,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] long? PvdSequence,
    [property: Id(8)] DateTimeOffset? SettledAt);

/// <summary>
/// One posting of a ledger entry dated in the day. The entry is named by a keyed pseudonym of its id (ids carry
/// customer ids, invoice numbers and operators' keys); a per-customer account by its name without the customer
/// (<c>postage-funds-held</c>) and the customer's pseudonym. No memo (operators' names and reasons), no reference
/// other than a well-formed purchase id.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LedgerPostingFact(
    [property: Id(0)] string EntryPseudonym,
    [property: Id(1)] int Line,
    [property: Id(2)] string Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Account,
    [property: Id(5)] string? AccountCustomerPseudonym,
    [property: Id(6)] long DebitMills,
    [property: Id(7)] long CreditMills,
    [property: Id(8)] string? CustomerPseudonym,
    [property: Id(9)] string? MeterId,
    [property: Id(10)] string? PurchaseId);

/// <summary>
/// An invoice written on the day, as it stands when read: its month and customer (by pseudonym; the number is
/// <c>inv-{month}-{customer id}</c>, so it does not leave), amounts in mills, status (an <c>InvoiceStatus</c> name),
/// collection. No e-mail address, charge id or line descriptions.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record InvoiceFact(
    [property: Id(0)] string CustomerPseudonym,
    [property: Id(1)] string Month,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] string Status,
    [property: Id(4)] long LineCount,
    [property: Id(5)] long SubtotalMills,
    [property: Id(6)] long CreditAppliedMills,
    [property: Id(7)] long TotalMills,
    [property: Id(8)] long CollectionAttempts,
    [property: Id(9)] string? LastFailure,
    [property: Id(10)] DateTimeOffset? PaidAt);

/// <summary>A page of facts and the cursor of the next one (null after the last page).</summary>
[GenerateSerializer, Immutable]
public sealed record FactPage<T>([property: Id(0)] IReadOnlyList<T> Items, [property: Id(1)] string? Next);

/// <summary>
/// The export's reads of the transaction log and the commerce store (key 0; any silo answers from the stores). The
/// silo opens the records with the log key and pseudonymizes customers (and ledger entries) with the HSM's pseudonym
/// key, so neither key nor any secret-bearing field leaves it: an export process needs only an operator's credentials.
/// </summary>
public interface IExportReaderGrain : IGrainWithIntegerKey
{
    /// <summary>The day's records (UTC), in log order, a page of at most <paramref name="limit"/> after the cursor <paramref name="after"/>.</summary>
    Task<FactPage<TransactionFact>> Transactions(DateOnly day, string? after, int limit);

    /// <summary>Every meter's registers at the end of the day (UTC), in meter id order, a page after the meter <paramref name="after"/>.</summary>
    Task<FactPage<MeterRegistersFact>> MeterRegisters(DateOnly day, string? after, int limit);

    /// <summary>The purchases written on the day (UTC) as they stand now, in purchase id order, a page after the purchase <paramref name="after"/>.</summary>
    Task<FactPage<PurchaseFact>> Purchases(DateOnly day, string? after, int limit);

    /// <summary>The postings of the ledger entries dated in the day (UTC), by entry time and id, a page after the cursor <paramref name="after"/>.</summary>
    Task<FactPage<LedgerPostingFact>> LedgerPostings(DateOnly day, string? after, int limit);

    /// <summary>The invoices written on the day (UTC) as they stand now, a page after the cursor <paramref name="after"/>.</summary>
    Task<FactPage<InvoiceFact>> Invoices(DateOnly day, string? after, int limit);
}
