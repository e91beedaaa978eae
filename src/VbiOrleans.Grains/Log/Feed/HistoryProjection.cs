using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Domain.Shipping;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>
/// The customer history (<see cref="IMeterHistoryGrain"/>) as a projection of the log: every PVD, print, refund and
/// withdrawal record becomes the entry of its sequence, one write per history page per batch. Upserts by sequence make
/// a repeated delivery change nothing, and a rewound cursor (<c>vbi-admin rebuild-history</c>) writes every entry again.
/// </summary>
public sealed class HistoryProjection(IGrainFactory grains, IOptions<ShippingOptions> shipping) : ILogFeedConsumer
{
    public string Name => LogFeedConsumers.History;

    public async Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        var pages = records.Select(r => (Record: r, Entry: Entry(r, shipping.Value.MailerId)))
            .Where(x => x.Entry is not null)
            .GroupBy(x => IMeterHistoryGrain.Key(x.Record.MeterId, x.Record.Sequence), x => x.Entry!);
        await Task.WhenAll(pages.Select(page => grains.GetGrain<IMeterHistoryGrain>(page.Key).Record([.. page])));
    }

    /// <summary>The history entry of a record, or null for a record the customer's history does not show (events, provisioning, licensing, passwords).</summary>
    /// <remarks>A print's tracking number is computed here, from the record alone and the configured mailer id.</remarks>
    public static HistoryEntry? Entry(LogRecord record, string mailerId)
    {
        if (record.Change.IsEvent || CustomerKind(record.Kind) is not { } kind || record.Change.Registers is not { } registers) return null;
        var command = record.Change.Command;
        var indicium = record.Change.Indicium;
        var reference = command switch
        {
            PostageValueDownloadCommand pvd => pvd.PaymentReference,
            RefundCommand refund => refund.IndiciumId,
            _ => null,
        };
        var print = (command as PrintCommand)?.Request;
        byte[]? bytes = indicium is null ? null : [.. indicium.Data, .. indicium.Signature];
        return new HistoryEntry(record.Sequence, record.At, kind, record.AmountMills, registers.AscendingMills, registers.DescendingMills,
            indicium?.IndiciumId, bytes, reference, print?.DestinationZip, print?.MailClass, command?.InitiatedBy ?? UnknownInitiator)
        {
            Shipment = print?.Shipment,
            TrackingNumber = print is { Shipment: { } shipment } && bytes is not null ? TrackingOf(print.MailClass, shipment, bytes, record.Sequence, mailerId) : null,
        };
    }

    /// <summary>The tracking number of a print with a shipment: the same from the response, a replay, the history and any later reader.</summary>
    public static string? TrackingOf(string mailClass, PrintShipment shipment, byte[] indicium, long sequence, string mailerId) =>
        IndiciumData.Decode(indicium) is { IsSuccess: true } decoded
            ? TrackingNumber.OfPrint(mailClass, shipment.Signature, mailerId, decoded.Value.Data.Device.Serial, sequence)?.Digits
            : null;

    /// <summary>Who asked, for a record whose command does not say.</summary>
    public const string UnknownInitiator = "unknown";

    /// <summary>The kind as the client protocol names it, for the four kinds a customer's history shows; null for the others.</summary>
    public static string? CustomerKind(TransactionKind kind) => kind switch
    {
        TransactionKind.PostageValueDownload => TransactionKinds.PostageValueDownload,
        TransactionKind.Print => TransactionKinds.Print,
        TransactionKind.Refund => TransactionKinds.Refund,
        TransactionKind.Withdraw => TransactionKinds.Withdraw,
        _ => null,
    };
}
