namespace VbiOrleans.Abstractions.Meters;

/// <summary>
/// The customer's view of a meter's transactions, in the <c>commerce</c> store, one page per 100 sequences (key
/// "{meterId}/{sequence / 100}"), so a page's row stays small however long the meter lives. It keeps each printed
/// indicium's bytes, so a label can be downloaded again. It is a projection of the transaction log: the log feed's
/// history consumer writes it, never the request that made the transaction, and <c>vbi-admin rebuild-history</c>
/// writes it again from the log. Entries are upserted by sequence, so a record the feed delivers twice leaves one entry.
/// </summary>
public interface IMeterHistoryGrain : IGrainWithStringKey
{
    public const int PageSize = 100;

    static string Key(string meterId, long sequence) => $"{meterId}/{sequence / PageSize}";

    /// <summary>Upserts the entries (all of this page) by sequence, in one write; entries equal to the stored ones change nothing.</summary>
    Task Record(IReadOnlyList<HistoryEntry> entries);

    /// <summary>The page's entries, newest first.</summary>
    Task<IReadOnlyList<HistoryEntry>> List();
}

/// <summary>One transaction of a meter as its customer sees it. Amounts are mills; registers are after the transaction.</summary>
[GenerateSerializer, Immutable]
public sealed record HistoryEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] long AscendingMills,
    [property: Id(5)] long DescendingMills,
    [property: Id(6)] string? IndiciumId,
    [property: Id(7)] byte[]? Indicium,
    [property: Id(8)] string? Reference,
    [property: Id(9)] string? DestinationZip,
    [property: Id(10)] string? MailClass,
    [property: Id(11)] string InitiatedBy)
{
    /// <summary>A print's shipment as signed, or null (a letter with only its destination ZIP, and every other kind).</summary>
    [Id(12)] public PrintShipment? Shipment { get; init; }

    /// <summary>The IMpb tracking number of a print with a shipment (docs/shipping.md), computed from the log record.</summary>
    [Id(13)] public string? TrackingNumber { get; init; }
}
