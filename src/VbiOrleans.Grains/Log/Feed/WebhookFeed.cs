using System.Text.Json;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Partners;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Shipping;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>
/// The partners' webhooks from the log: for every PVD, print, refund and withdrawal record, an event with the id
/// <c>evt_{meterId}_{sequence}</c> for each partner linked to the meter's customer (<see cref="IMeterOwnerGrain"/>,
/// then the customer's partners), queued in the partner's outbox in log order. The outbox drops a meter's event at or
/// below the last sequence it queued, so a batch delivered again queues nothing twice.
/// </summary>
public sealed class WebhookFeed(IGrainFactory grains, IOptions<ShippingOptions> shipping) : ILogFeedConsumer
{
    public string Name => LogFeedConsumers.Webhooks;

    public async Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        var mailerId = shipping.Value.MailerId;
        var shown = records.Where(r => HistoryProjection.Entry(r, mailerId) is not null).ToList();
        // Each meter's customer and partners once per batch, looked up together.
        var meters = shown.Select(r => r.MeterId).Distinct(StringComparer.Ordinal).ToList();
        var linkedOf = (await Task.WhenAll(meters.Select(LinkedAsync))).Zip(meters).ToDictionary(x => x.Second, x => x.First, StringComparer.Ordinal);
        var byPartner = new Dictionary<string, List<LoggedWebhookEvent>>(StringComparer.Ordinal);
        foreach (var record in shown)
        {
            if (linkedOf[record.MeterId] is not { } l || l.Partners.Count == 0) continue;
            var evt = Event(record, l.CustomerId, mailerId);
            foreach (var partnerId in l.Partners)
            {
                if (!byPartner.TryGetValue(partnerId, out var events)) byPartner[partnerId] = events = [];
                events.Add(new LoggedWebhookEvent(record.MeterId, record.Sequence, evt));
            }
        }
        await Task.WhenAll(byPartner.Select(p => grains.GetGrain<IWebhookDispatcherGrain>(IPartnerGrain.Key(p.Key)).Enqueue(p.Value)));
    }

    /// <summary>The meter's customer and the partners that customer linked, or null for a meter no customer owns.</summary>
    private async Task<(string CustomerId, IReadOnlyList<string> Partners)?> LinkedAsync(string meterId)
    {
        if (await grains.GetGrain<IMeterOwnerGrain>(meterId).Owner() is not { } customerId) return null;
        var customer = await grains.GetGrain<ICustomerGrain>(customerId).Get();
        return (customerId, customer?.PartnerIds ?? []);
    }

    public static string EventId(string meterId, long sequence) => $"evt_{meterId}_{sequence}";

    /// <summary>The event of one logged transaction: the same bytes whenever the record is delivered.</summary>
    public static WebhookEvent Event(LogRecord record, string customerId, string mailerId)
    {
        var entry = HistoryProjection.Entry(record, mailerId)!;
        var type = entry.Kind switch
        {
            TransactionKinds.PostageValueDownload => "pvd.completed",
            TransactionKinds.Print => "print.completed",
            TransactionKinds.Refund => "refund.completed",
            _ => "meter.withdrawn",
        };
        var eventId = EventId(record.MeterId, record.Sequence);
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = eventId,
            type,
            createdAt = record.At,
            data = new
            {
                customerId,
                meterId = record.MeterId,
                sequence = record.Sequence,
                kind = entry.Kind,
                amountMills = record.AmountMills,
                amount = new Mills(record.AmountMills).ToDollars(),
                indiciumId = entry.IndiciumId ?? (entry.Kind == TransactionKinds.Refund ? entry.Reference : null),
                ascendingMills = entry.AscendingMills,
                descendingMills = entry.DescendingMills,
                initiatedBy = entry.InitiatedBy,
                trackingNumber = entry.TrackingNumber,
            },
        });
        return new WebhookEvent(eventId, type, record.At, body);
    }
}
