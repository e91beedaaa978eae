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

/// <summary>A page of facts and the cursor of the next one (null after the last page).</summary>
[GenerateSerializer, Immutable]
public sealed record FactPage<T>([property: Id(0)] IReadOnlyList<T> Items, [property: Id(1)] string? Next);

/// <summary>
/// The export's reads of the transaction log (key 0; any silo answers from the log store). The silo opens the
/// records with the log key and pseudonymizes customers with the HSM's pseudonym key, so neither key nor any
/// secret-bearing field of a record leaves it: an export process needs only an operator's credentials.
/// </summary>
public interface IExportReaderGrain : IGrainWithIntegerKey
{
    /// <summary>The day's records (UTC), in log order, a page of at most <paramref name="limit"/> after the cursor <paramref name="after"/>.</summary>
    Task<FactPage<TransactionFact>> Transactions(DateOnly day, string? after, int limit);

    /// <summary>Every meter's registers at the end of the day (UTC), in meter id order, a page after the meter <paramref name="after"/>.</summary>
    Task<FactPage<MeterRegistersFact>> MeterRegisters(DateOnly day, string? after, int limit);
}
