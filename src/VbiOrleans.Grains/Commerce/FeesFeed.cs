using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Log.Feed;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// Label fees from the log: every print and every refund, grouped by the meter's customer and handed in log order to
/// the customer's <see cref="ICustomerPlanGrain"/>, which counts the label against the plan in effect at the print's
/// time and posts <c>fee:{meter}:{seq}</c> beyond the included labels (or credits the fee back for a refund).
/// Idempotent by (meter, sequence): the plan grain skips what it applied.
/// </summary>
public sealed class FeesFeed(IGrainFactory grains) : ILogFeedConsumer
{
    public string Name => LogFeedConsumers.Fees;

    public async Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        var labels = records.Where(r => !r.Change.IsEvent && r.Kind is TransactionKind.Print or TransactionKind.Refund).ToList();
        if (labels.Count == 0) return;
        var meters = labels.Select(r => r.MeterId).Distinct(StringComparer.Ordinal).ToList();
        var owners = (await Task.WhenAll(meters.Select(m => grains.GetGrain<IMeterOwnerGrain>(m).Owner()))).Zip(meters)
            .ToDictionary(x => x.Second, x => x.First, StringComparer.Ordinal);
        var byCustomer = labels.Where(r => owners[r.MeterId] is not null)
            .GroupBy(r => owners[r.MeterId]!, StringComparer.Ordinal)
            .Select(g => grains.GetGrain<ICustomerPlanGrain>(g.Key).RecordLabels(
                [.. g.Select(r => new LabelEvent(r.MeterId, r.Sequence, r.At, r.Kind == TransactionKind.Refund, r.Change.RefundedSequence))]));
        await Task.WhenAll(byCustomer);
    }
}
