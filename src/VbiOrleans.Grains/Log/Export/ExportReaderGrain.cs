using VbiOrleans.Abstractions.Commerce;
using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Export;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Shipping;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Commerce;
using VbiOrleans.Grains.Log.Feed;
using VbiOrleans.Hsm;

namespace VbiOrleans.Grains.Log.Export;

/// <summary>
/// Answers <see cref="IExportReaderGrain"/> from this silo's stores: each log record, of every log, is opened here with its log's key
/// and reduced to its allow-listed facts (<see cref="TransactionFact"/>); the day's purchases and invoices are listed
/// from the by-day index (<see cref="IExportDayIndex"/>) and read from their grains, the day's ledger entries from the
/// ledger store; customers and ledger entries are pseudonymized with the HSM.
/// </summary>
[StatelessWorker]
public sealed class ExportReaderGrain(TransactionLogs logs, IHsm hsm, IOptions<ShippingOptions> shipping, ILedgerStore ledger,
    IExportDayIndex index) : Grain, IExportReaderGrain
{
    public const int MaxPage = 5_000;

    /// <summary>Purchase and invoice grains read at once while answering a page.</summary>
    public const int GrainReadParallelism = 64;

    /// <summary>Records that change no register (they tell what happened): not a meter's registers at the end of a day.</summary>
    private static readonly byte[] EventKinds = [(byte)TransactionKind.Rollback, (byte)TransactionKind.Recovery];

    private readonly CustomerPseudonyms _pseudonyms = new(hsm);
    private readonly Dictionary<string, string?> _owners = new(StringComparer.Ordinal);

    public async Task<FactPage<TransactionFact>> Transactions(DateOnly day, string? after, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var position = after is null ? 0 : long.Parse(after, NumberStyles.None, CultureInfo.InvariantCulture);
        var (from, to) = Bounds(day);
        // The cursor is a position across the logs (TransactionLogs.PositionShift): the home log's rows, then each other log's.
        var rows = await logs.ReadBetweenAsync(from, to, position, limit);
        var facts = new List<TransactionFact>(rows.Count);
        foreach (var row in rows) facts.Add(await FactAsync(await TransactionLogs.OpenAsync(row)));
        return new FactPage<TransactionFact>(facts, rows.Count == limit ? rows[^1].Row.Position.ToString(CultureInfo.InvariantCulture) : null);
    }

    public async Task<FactPage<MeterRegistersFact>> MeterRegisters(DateOnly day, string? after, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var (_, to) = Bounds(day);
        var rows = await logs.LatestBeforeAsync(to, after, limit, EventKinds);
        var facts = new List<MeterRegistersFact>(rows.Count);
        foreach (var row in rows)
        {
            var record = await TransactionLogs.OpenAsync(row);
            if (record.Change.Registers is not { } registers) continue;
            facts.Add(new MeterRegistersFact(record.MeterId, record.Sequence, registers.AscendingMills, registers.DescendingMills, registers.PieceCount,
                registers.State, record.At, await CustomerOfAsync(record.MeterId)));
        }
        return new FactPage<MeterRegistersFact>(facts, rows.Count == limit ? rows[^1].Row.Row.MeterId : null);
    }

    public async Task<FactPage<PurchaseFact>> Purchases(DateOnly day, string? after, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var ids = await index.ListAsync(ExportIndexKind.Purchase, day, after, limit);
        var views = await ReadAllAsync(ids, id => GrainFactory.GetGrain<IPurchaseGrain>(id).Get());
        var facts = new List<PurchaseFact>(ids.Count);
        // A marked purchase whose state was never written (a crash after the mark) has no view: nothing to export.
        foreach (var p in views.OfType<PurchaseView>())
        {
            facts.Add(new PurchaseFact(p.Id, await _pseudonyms.OfCustomerAsync(p.CustomerId), p.MeterId, p.AmountMills, p.MethodKind.ToString(),
                p.Status.ToString(), p.CreatedAt, p.PvdSequence, p.SettledAt));
        }
        return new FactPage<PurchaseFact>(facts, ids.Count == limit ? ids[^1] : null);
    }

    public async Task<FactPage<InvoiceFact>> Invoices(DateOnly day, string? after, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var numbers = await index.ListAsync(ExportIndexKind.Invoice, day, after, limit);
        var views = await ReadAllAsync(numbers, n => GrainFactory.GetGrain<IInvoiceGrain>(n).Get());
        var facts = new List<InvoiceFact>(numbers.Count);
        foreach (var i in views.OfType<InvoiceView>())
        {
            facts.Add(new InvoiceFact(await _pseudonyms.OfCustomerAsync(i.CustomerId), i.Month, i.IssuedAt, i.Status.ToString(), i.Lines.Count,
                i.SubtotalMills, i.CreditAppliedMills, i.TotalMills, i.CollectionAttempts, FailureName(i.LastFailure), i.PaidAt));
        }
        // The cursor is the invoice number, which names the customer: it stays between the silo and the export process.
        return new FactPage<InvoiceFact>(facts, numbers.Count == limit ? numbers[^1] : null);
    }

    public async Task<FactPage<LedgerPostingFact>> LedgerPostings(DateOnly day, string? after, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var (from, to) = Bounds(day);
        DateTimeOffset? afterAt = null;
        string? afterId = null;
        if (after is not null)
        {
            // The cursor is the last entry of the previous page: its time in ticks, a colon, its id.
            var colon = after.IndexOf(':', StringComparison.Ordinal);
            afterAt = new DateTimeOffset(long.Parse(after.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture), TimeSpan.Zero);
            afterId = after[(colon + 1)..];
        }
        // A page is counted in entries (at most 16 postings each).
        var entries = await ledger.EntriesBetweenAsync(from, to, afterAt, afterId, limit);
        var facts = new List<LedgerPostingFact>();
        foreach (var entry in entries)
        {
            var pseudonym = await _pseudonyms.OfLedgerEntryAsync(entry.Id);
            var customer = entry.CustomerId is null ? null : await _pseudonyms.OfCustomerAsync(entry.CustomerId);
            var purchase = PurchaseIds.IsWellFormed(entry.Reference) ? entry.Reference : null;
            for (var line = 0; line < entry.Postings.Count; line++)
            {
                var posting = entry.Postings[line];
                var owner = LedgerAccounts.CustomerOf(posting.Account);
                facts.Add(new LedgerPostingFact(pseudonym, line + 1, entry.Kind, entry.At, owner is null ? posting.Account : posting.Account[..posting.Account.IndexOf(':')],
                    owner is null ? null : await _pseudonyms.OfCustomerAsync(owner), posting.DebitMills, posting.CreditMills, customer, entry.MeterId, purchase));
            }
        }
        return new FactPage<LedgerPostingFact>(facts, entries.Count == limit
            ? entries[^1].At.UtcTicks.ToString(CultureInfo.InvariantCulture) + ":" + entries[^1].Id : null);
    }

    private static async Task<List<T?>> ReadAllAsync<T>(IReadOnlyList<string> ids, Func<string, Task<T?>> read) where T : class
    {
        var views = new List<T?>(ids.Count);
        foreach (var chunk in ids.Chunk(GrainReadParallelism)) views.AddRange(await Task.WhenAll(chunk.Select(read)));
        return views;
    }

    /// <summary>A collection failure is a name (an ErrorCode, a PaymentError, <c>BankAccountNotCollected</c>); anything else is not exported.</summary>
    private static string? FailureName(string? failure) =>
        failure is { Length: > 0 and <= 64 } && failure.All(char.IsAsciiLetter) ? failure : null;

    private static (DateTimeOffset From, DateTimeOffset To) Bounds(DateOnly day)
    {
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return (from, from.AddDays(1));
    }

    /// <summary>The record's allow-listed facts: every field named here, and only these, may reach the export.</summary>
    private async Task<TransactionFact> FactAsync(LogRecord record)
    {
        var registers = record.Change.Registers;
        var command = record.Change.Command;
        var print = (command as PrintCommand)?.Request;
        var indicium = record.Change.Indicium;
        string? tracking = null;
        if (print is { Shipment: { } shipment } && indicium is not null)
            tracking = HistoryProjection.TrackingOf(print.MailClass, shipment, [.. indicium.Data, .. indicium.Signature], record.Sequence, shipping.Value.MailerId);
        // A PVD's payment reference is free text until every PVD names its purchase: only a purchase id leaves.
        var purchase = command is PostageValueDownloadCommand pvd && PurchaseIds.IsWellFormed(pvd.PaymentReference) ? pvd.PaymentReference : null;
        return new TransactionFact(record.MeterId, record.Sequence, record.Kind.ToString(), record.AmountMills, record.At, record.ModuleSerial,
            registers?.AscendingMills, registers?.DescendingMills, registers?.PieceCount, print?.MailClass, Zip5(print?.DestinationZip), print?.ItemKind,
            indicium?.IndiciumId, tracking, (command as RefundCommand)?.IndiciumId, purchase, await CustomerOfAsync(record.MeterId),
            InitiatorKind(command?.InitiatedBy));
    }

    /// <summary>The ZIP's first five digits: enough for zones and regions, never the ZIP+4 that narrows to a delivery point.</summary>
    public static string? Zip5(string? zip) =>
        zip is { Length: >= 5 } && zip.AsSpan(0, 5).IndexOfAnyExceptInRange('0', '9') < 0 ? zip[..5] : null;

    /// <summary>Who asked, as a kind only: an operator's name or a partner's id does not leave.</summary>
    public static string InitiatorKind(string? initiatedBy)
    {
        var kind = initiatedBy is null ? null : initiatedBy.Split(':', 2)[0];
        return kind is "customer" or "partner" or "operator" ? kind : HistoryProjection.UnknownInitiator;
    }

    private async Task<string?> CustomerOfAsync(string meterId)
    {
        if (!_owners.TryGetValue(meterId, out var owner))
        {
            owner = await GrainFactory.GetGrain<IMeterOwnerGrain>(meterId).Owner();
            if (_owners.Count >= 100_000) _owners.Clear();
            if (owner is not null) _owners[meterId] = owner; // an owner never changes once claimed
        }
        return owner is null ? null : await _pseudonyms.OfCustomerAsync(owner);
    }
}
