using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Domain.ProviderFiles.Reconciliation;
using VbiOrleans.Domain.ProviderFiles.Remittance;
using VbiOrleans.Domain.ProviderFiles.Resetting;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Log;

namespace VbiOrleans.Grains.Provider;

/// <summary>
/// The daily reconciliation of one day (see <see cref="IReconciliationGrain"/>). It reads each side on its own: the
/// transaction logs themselves (every log; not the provider's journal the files are built from), the files as sent (from the archive),
/// and the ledger; the comparisons are <see cref="DailyReconciliation"/>'s. Every difference is an alert: a Critical
/// log event <see cref="ProviderEvents.ReconciliationDifference"/> and <c>vbi.provider.alerts</c>, at every run that
/// finds it.
/// </summary>
public sealed class ReconciliationGrain(
    TransactionLogs logs,
    IArchiveStore archive,
    IReconciliationStore store,
    ProviderFileBuilder builder,
    IOptions<ProviderOptions> options,
    TimeProvider clock,
    ILogger<ReconciliationGrain> logger) : Grain, IReconciliationGrain
{
    /// <summary>Rows one read of the log or the ledger takes.</summary>
    public const int PageSize = 1_000;

    /// <summary>The log's events (rows without registers): not a meter's registers at the close, as the resetting file has them.</summary>
    private static readonly byte[] EventKinds = [(byte)TransactionKind.Rollback, (byte)TransactionKind.Recovery];

    private DateOnly Day => DateOnly.ParseExact(this.GetPrimaryKeyString(), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public Task<DailyReconciliationReport?> Report() => store.GetAsync(Day);

    public async Task<ReconciliationRun> Run()
    {
        var views = new Dictionary<string, ProviderFileView>();
        foreach (var service in ProviderServices.Running)
        {
            var view = await GrainFactory.GetGrain<IProviderDayGrain>(IProviderDayGrain.Key(service, Day)).View();
            if (view.State != ProviderFileState.Verified || view.LastError is not null)
                return new ReconciliationRun(null, $"the {service} file of {Day:yyyy-MM-dd} is {view.State.ToString().ToLowerInvariant()}" +
                    (view.LastError is null ? "" : $" ({view.LastError})"));
            views[service] = view;
        }
        var wait = options.Value.FeedWait;
        await ProviderDayGrain.WaitForFeedAsync(GrainFactory, LogFeedConsumers.Provider, wait, clock);
        await ProviderDayGrain.WaitForFeedAsync(GrainFactory, LogFeedConsumers.Ledger, wait, clock);

        var incomplete = new List<string>();
        var resetting = ResettingReport.Parse(await ArchivedAsync(views[ProviderServices.Resetting]));
        if (!resetting.IsSuccess) throw new InvalidOperationException($"the archived resetting file of {Day:yyyy-MM-dd} does not read: {resetting.Error.Message}");
        var remitted = NachaCredits.Read(await ArchivedAsync(views[ProviderServices.Remittance]));
        if (!remitted.IsSuccess) throw new InvalidOperationException($"the archived remittance file of {Day:yyyy-MM-dd} does not read: {remitted.Error.Message}");
        var posted = await GrainFactory.GetGrain<ILedgerGrain>(0).Find(ProviderFileBuilder.RemittanceEntryId(Day));

        var inputs = new ReconciliationInputs(
            Day,
            await LogTransactionsAsync(incomplete),
            [.. resetting.Value.Transactions.Where(t => t.Kind != ResettingKind.Licence)
                .Select(t => new ReconciledTransaction(t.MeterId, t.Sequence, t.Kind, t.AmountMills))],
            await LedgerTransactionsAsync(incomplete),
            await LogRegistersAsync(incomplete),
            [.. resetting.Value.Meters.Select(m => new ReconciledRegisters(m.MeterId, m.Sequence, m.AscendingMills, m.DescendingMills))],
            resetting.Value.Totals.NetPostageMills,
            await builder.RemittancePayableNetAsync(Day),
            remitted.Value,
            posted?.Postings.Where(p => p.Account == LedgerAccounts.RemittancePayable).Sum(p => p.DebitMills - p.CreditMills),
            incomplete);
        var result = DailyReconciliation.Compare(inputs);

        foreach (var d in result.Differences)
        {
            ProviderTelemetry.Alerts.Add(1, new KeyValuePair<string, object?>("alert", "reconciliation"), new KeyValuePair<string, object?>("check", d.Check));
            logger.LogCritical(ProviderEvents.ReconciliationDifference,
                "Reconciliation {Day}: {Check} differs for meter {MeterId} sequence {Sequence} customer {CustomerId}: expected {ExpectedMills} mills, found {FoundMills} ({DifferenceMills} mills): {Detail}",
                Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Check, d.MeterId, d.Sequence, d.CustomerId, d.ExpectedMills, d.FoundMills, d.DifferenceMills, d.Detail);
        }
        if (result.Reconciled)
            logger.LogInformation("Reconciliation {Day}: 0 difference ({Pvds} PVDs, {PvdMills} mills; {Remitted} mills remitted; {Meters} meters)",
                Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), result.LogPvdCount, result.LogPvdMills, result.RemittedMills, result.MetersCompared);

        var report = new DailyReconciliationReport(Day, clock.GetUtcNow(), 0, result.Reconciled, result.LogPvdCount, result.LogPvdMills, result.FilePvdMills,
            result.LedgerPvdMills, result.LogRefundMills, result.LedgerRefundMills, result.LogWithdrawalMills, result.LedgerWithdrawalMills,
            result.FileNetPostageMills, result.RemittancePayableNetMills, result.RemittedMills, result.CarriedMills, result.RemittancePostedMills,
            result.MetersCompared, result.Differences.Count,
            [.. result.Differences.Take(options.Value.Reconciliation.MaxDifferencesKept).Select(d =>
                new ReconciliationDifferenceView(d.Check, d.MeterId, d.Sequence, d.CustomerId, d.ExpectedMills, d.FoundMills, d.DifferenceMills, d.Detail))]);
        return new ReconciliationRun(await store.SaveAsync(report), null);
    }

    private async Task<byte[]> ArchivedAsync(ProviderFileView view) =>
        await archive.GetAsync(view.ArchivePath ?? throw new InvalidOperationException($"the {view.Service} file of {view.Day:yyyy-MM-dd} has no archive path"))
        ?? throw new InvalidOperationException($"the archive has no {view.ArchivePath}");

    /// <summary>The day's PVDs, refunds and withdrawals as the transaction log holds them (its public columns), in log order.</summary>
    private async Task<List<ReconciledTransaction>> LogTransactionsAsync(List<string> incomplete)
    {
        var from = ProviderFileBuilder.Start(Day);
        var transactions = new List<ReconciledTransaction>();
        long after = 0, read = 0;
        while (true)
        {
            var rows = await logs.ReadBetweenAsync(from, from.AddDays(1), after, PageSize);
            foreach (var (_, (_, row)) in rows)
            {
                if (ProviderFileBuilder.ReportedKind((TransactionKind)row.Kind) is { } kind and not ResettingKind.Licence)
                    transactions.Add(new ReconciledTransaction(row.MeterId, row.Sequence, kind, row.AmountMills));
            }
            read += rows.Count;
            if (rows.Count < PageSize) return transactions;
            if (read >= options.Value.Reconciliation.MaxRecords)
            {
                incomplete.Add($"the log holds more than {options.Value.Reconciliation.MaxRecords} records of the day; the rest are not compared");
                return transactions;
            }
            after = rows[^1].Row.Position;
        }
    }

    /// <summary>The ledger's entries of the day for PVDs, refunds and withdrawals: each on the account the check compares.</summary>
    private async Task<List<ReconciledTransaction>> LedgerTransactionsAsync(List<string> incomplete)
    {
        var transactions = new List<ReconciledTransaction>();
        await ReadLedgerAsync(LedgerAccounts.PostageFundsHeld("*"), "pvd", ResettingKind.Pvd, p => p.CreditMills - p.DebitMills, transactions, incomplete);
        await ReadLedgerAsync(LedgerAccounts.PostageAtPostalAuthority, "refund", ResettingKind.Refund, p => p.DebitMills - p.CreditMills, transactions, incomplete);
        await ReadLedgerAsync(LedgerAccounts.RefundsPayable("*"), "withdrawal", ResettingKind.Withdrawal, p => p.CreditMills - p.DebitMills, transactions, incomplete);
        return transactions;
    }

    private async Task ReadLedgerAsync(string account, string entryKind, ResettingKind kind, Func<AccountPosting, long> amount,
        List<ReconciledTransaction> transactions, List<string> incomplete)
    {
        var from = ProviderFileBuilder.Start(Day);
        var ledger = GrainFactory.GetGrain<ILedgerGrain>(0);
        string? after = null;
        long read = 0;
        while (true)
        {
            var page = await ledger.PostingsOf(account, from, from.AddDays(1), after, PageSize);
            foreach (var p in page.Where(p => p.Kind == entryKind))
            {
                // Entry ids of PSD transactions end in ":{sequence}" (docs/commerce.md, "Postings").
                var sequence = long.Parse(p.EntryId[(p.EntryId.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
                transactions.Add(new ReconciledTransaction(p.MeterId ?? "", sequence, kind, amount(p), p.CustomerId));
            }
            read += page.Count;
            if (page.Count < PageSize) return;
            if (read >= options.Value.Reconciliation.MaxRecords)
            {
                incomplete.Add($"the ledger holds more than {options.Value.Reconciliation.MaxRecords} postings to {account} in the day; the rest are not compared");
                return;
            }
            after = page[^1].EntryId;
        }
    }

    /// <summary>Every meter's registers after its last record before the close, as the log holds them.</summary>
    private async Task<List<ReconciledRegisters>> LogRegistersAsync(List<string> incomplete)
    {
        var to = ProviderFileBuilder.Start(Day).AddDays(1);
        var registers = new List<ReconciledRegisters>();
        string? after = null;
        while (true)
        {
            var rows = await logs.LatestBeforeAsync(to, after, PageSize, EventKinds);
            registers.AddRange(rows.Select(r => r.Row.Row).Select(r => new ReconciledRegisters(r.MeterId, r.Sequence, r.AscendingMills, r.DescendingMills)));
            if (rows.Count < PageSize) return registers;
            if (registers.Count >= options.Value.Reconciliation.MaxRecords)
            {
                incomplete.Add($"the log holds more than {options.Value.Reconciliation.MaxRecords} meters; the rest are not compared");
                return registers;
            }
            after = rows[^1].Row.Row.MeterId;
        }
    }
}
