using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Domain.Ledger;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Commerce.Cards;
using VbiOrleans.Grains.Log.Feed;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// The refunds consumer of the log feed (docs/commerce.md, "Refunds paid out"): every withdrawal of a customer's meter
/// is a refund owed, handed to the customer's <see cref="IRefundPayoutsGrain"/> with the id <c>{meter}:{sequence}</c>,
/// so a batch delivered again pays nothing twice. It waits (bounded) until the ledger has posted the withdrawal, so
/// refunds payable is never paid before it is owed, and fails the batch otherwise (the feed retries it).
/// </summary>
public sealed class RefundPayoutFeed(IGrainFactory grains, IOptions<RefundPayoutOptions> options, TimeProvider clock, ILogger<RefundPayoutFeed> logger) : ILogFeedConsumer
{
    public string Name => LogFeedConsumers.Refunds;

    public async Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            if (record.Change.IsEvent || record.Kind != TransactionKind.Withdraw || record.AmountMills <= 0) continue;
            var owner = await grains.GetGrain<IMeterOwnerGrain>(record.MeterId).Owner();
            if (owner is null)
            {
                logger.LogWarning("Meter {MeterId} has no customer; its withdrawal at sequence {Sequence} is not paid out", record.MeterId, record.Sequence);
                continue;
            }
            await WaitForWithdrawalPostedAsync(record, cancellationToken);
            await grains.GetGrain<IRefundPayoutsGrain>(owner).Pay(new RefundPayoutRequest($"{record.MeterId}:{record.Sequence}", record.MeterId, record.Sequence,
                record.AmountMills, record.At));
        }
    }

    private async Task WaitForWithdrawalPostedAsync(LogRecord record, CancellationToken cancellationToken)
    {
        var id = Postings.WithdrawalId(record.MeterId, record.Sequence);
        var deadline = clock.GetUtcNow() + options.Value.WaitForLedger;
        while (await grains.GetGrain<ILedgerGrain>(0).Find(id) is null)
        {
            if (clock.GetUtcNow() >= deadline) throw new PaymentNotSettledException($"the ledger has not posted {id} yet; the refund is paid once it has");
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
