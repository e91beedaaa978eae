using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Ledger;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Log.Feed;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// The ledger's consumer of the log feed: every PVD, print, refund and withdrawal record becomes its entry
/// (<see cref="Postings"/>), with the id <c>{kind}:{meterId}:{sequence}</c>, so a batch delivered again (a crash, a
/// retry, an operator's rewind) posts nothing twice. The customer is the meter's owner (<see cref="IMeterOwnerGrain"/>).
/// A PVD's clearing account is its purchase's payment method kind (<see cref="IPurchaseGrain"/>, keyed by the PVD's
/// payment reference); a reference that names no purchase is posted to card clearing, logged at Warning and counted
/// (<c>vbi.ledger.pvds_without_purchase</c>). The batch's entries and each meter's registers after it are written in
/// one transaction: the postage-funds reconciliation compares the two at the same log position.
/// </summary>
public sealed class LedgerFeed(IGrainFactory grains, ILedgerStore store, ILogger<LedgerFeed> logger) : ILogFeedConsumer
{
    /// <summary>The holder of the funds of a meter that no customer owns (no such meter moves money through the API; kept so the ledger still balances).</summary>
    public const string Unowned = "unowned";

    public string Name => LogFeedConsumers.Ledger;

    public async Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        var relevant = records.Where(r => !r.Change.IsEvent && r.Change.Registers is not null && r.Kind != TransactionKind.Provision).ToList();
        if (relevant.Count == 0) return;
        var meters = relevant.Select(r => r.MeterId).Distinct(StringComparer.Ordinal).ToList();
        var owners = (await Task.WhenAll(meters.Select(m => grains.GetGrain<IMeterOwnerGrain>(m).Owner())))
            .Zip(meters).ToDictionary(x => x.Second, x => x.First, StringComparer.Ordinal);

        var entries = new List<LedgerEntry>();
        var registers = new List<LedgerMeterRegisters>();
        foreach (var record in relevant)
        {
            var owner = owners[record.MeterId];
            var holder = owner ?? Unowned;
            registers.Add(new LedgerMeterRegisters(record.MeterId, holder, record.Sequence, record.Change.Registers!.DescendingMills));
            if (record.AmountMills <= 0) continue; // a withdrawal of an empty meter moves no money
            if (owner is null && IsMoney(record.Kind))
                logger.LogWarning(LedgerEvents.MeterWithoutCustomer, "Meter {MeterId} has no customer; its {Kind} at sequence {Sequence} is posted for '{Holder}'",
                    record.MeterId, record.Kind, record.Sequence, Unowned);
            if (await EntryOfAsync(record, owner, holder) is { } entry) entries.Add(entry);
        }

        var results = await store.PostAsync(entries, registers, cancellationToken);
        for (var i = 0; i < entries.Count; i++)
        {
            var result = results[i];
            if (result.Status == LedgerPostStatus.Posted)
                LedgerTelemetry.EntriesPosted.Add(1, new KeyValuePair<string, object?>("kind", entries[i].Kind));
            else if (!result.IsSuccess)
            {
                // Retrying would refuse it again: the record is skipped, loudly, and the feed goes on.
                LedgerTelemetry.Conflicts.Add(1);
                logger.LogError(LedgerEvents.EntryConflict, "Ledger entry {EntryId} from the log was not posted: {Status} {Message}",
                    entries[i].Id, result.Status, result.Message);
            }
        }
    }

    private static bool IsMoney(TransactionKind kind) =>
        kind is TransactionKind.PostageValueDownload or TransactionKind.Print or TransactionKind.Refund or TransactionKind.Withdraw;

    private async Task<LedgerEntry?> EntryOfAsync(LogRecord r, string? customer, string holder)
    {
        var amount = r.AmountMills;
        var dollars = new Mills(amount).ToDollars();
        switch (r.Kind)
        {
            case TransactionKind.PostageValueDownload:
                var reference = (r.Change.Command as PostageValueDownloadCommand)?.PaymentReference;
                var clearing = await ClearingOfAsync(r, reference);
                return new LedgerEntry(Postings.PvdId(r.MeterId, r.Sequence), "pvd", r.At, customer, r.MeterId, reference,
                    $"PVD of {dollars} on {r.MeterId} (sequence {r.Sequence}), paid by {(clearing == PaymentClearing.Ach ? "ACH" : "card")}",
                    [.. Postings.Pvd(holder, amount, clearing).Select(Posting.Of)]);
            case TransactionKind.Print:
                return new LedgerEntry(Postings.PrintId(r.MeterId, r.Sequence), "print", r.At, customer, r.MeterId, r.Change.Indicium?.IndiciumId,
                    $"Postage of {dollars} printed on {r.MeterId} (sequence {r.Sequence})", [.. Postings.Print(holder, amount).Select(Posting.Of)]);
            case TransactionKind.Refund:
                return new LedgerEntry(Postings.RefundId(r.MeterId, r.Sequence), "refund", r.At, customer, r.MeterId, (r.Change.Command as RefundCommand)?.IndiciumId,
                    $"Unused postage of {dollars} refunded to {r.MeterId} (sequence {r.Sequence})", [.. Postings.Refund(holder, amount).Select(Posting.Of)]);
            case TransactionKind.Withdraw:
                return new LedgerEntry(Postings.WithdrawalId(r.MeterId, r.Sequence), "withdrawal", r.At, customer, r.MeterId, null,
                    $"Balance of {dollars} withdrawn from {r.MeterId} (sequence {r.Sequence}), payable to the customer",
                    [.. Postings.Withdrawal(holder, amount).Select(Posting.Of)]);
            default:
                return null;
        }
    }

    /// <summary>The clearing account of a PVD: its purchase's payment method kind, or card clearing when no purchase is named.</summary>
    private async Task<PaymentClearing> ClearingOfAsync(LogRecord r, string? reference)
    {
        var purchase = PurchaseIds.IsWellFormed(reference)
            ? await grains.GetGrain<IPurchaseGrain>(reference!).Get()
            : null;
        if (purchase is null)
        {
            LedgerTelemetry.PvdsWithoutPurchase.Add(1);
            logger.LogWarning(LedgerEvents.PvdWithoutPurchase,
                "The PVD at {MeterId} sequence {Sequence} names no purchase (payment reference {Reference}); posted to card clearing",
                r.MeterId, r.Sequence, reference);
            return PaymentClearing.Card;
        }
        return purchase.MethodKind == PaymentMethodKind.BankAccount ? PaymentClearing.Ach : PaymentClearing.Card;
    }
}
