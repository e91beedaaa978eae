using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Log.Feed;

namespace VbiOrleans.Grains.Provider;

/// <summary>
/// The provider's log feed consumer: every committed record goes into the provider's journal (public facts, by time),
/// and every licence transaction records the meter's licence application (<see cref="IMeterLicenceGrain.Record"/>).
/// Both are idempotent, so a batch delivered again adds nothing.
/// </summary>
public sealed class ProviderFeed(IProviderJournal journal, IGrainFactory grains) : ILogFeedConsumer
{
    public string Name => LogFeedConsumers.Provider;

    public async Task ApplyAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        // Applications first: a journal that shows a licence always has its application.
        await Task.WhenAll(records
            .Where(r => r.Kind == TransactionKind.License && !r.Change.IsEvent && r.Change.LicensingZip is not null)
            .Select(r => grains.GetGrain<IMeterLicenceGrain>(r.MeterId).Record(r.At, r.Change.LicensingZip!)));
        await journal.AddAsync([.. records.Select(Entry)], cancellationToken);
    }

    public static JournalEntry Entry(LogRecord r) => new(
        r.MeterId, r.Sequence, (byte)r.Kind, r.At, r.AmountMills,
        r.Change.IsEvent ? null : r.Change.Registers?.AscendingMills,
        r.Change.IsEvent ? null : r.Change.Registers?.DescendingMills,
        r.ModuleSerial,
        r.Change.Command switch
        {
            PostageValueDownloadCommand pvd => pvd.PaymentReference,
            RefundCommand refund => refund.IndiciumId,
            LicenseCommand licence => licence.Zip,
            _ => r.Change.LicensingZip ?? "",
        },
        r.Change.Note ?? "");
}
