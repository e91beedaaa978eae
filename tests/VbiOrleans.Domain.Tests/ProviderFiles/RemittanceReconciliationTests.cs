using System.Text;
using VbiOrleans.Domain.ProviderFiles.Nacha;
using VbiOrleans.Domain.ProviderFiles.Reconciliation;
using VbiOrleans.Domain.ProviderFiles.Remittance;
using VbiOrleans.Domain.ProviderFiles.Resetting;

namespace VbiOrleans.Domain.Tests.ProviderFiles;

public sealed class RemittanceReconciliationTests
{
    private static readonly RemittanceLockbox Lockbox = new("021000021", "LOCKBOX-1", AchAccountType.Checking, "Postal Lockbox", "POSTAGE");
    private static readonly DateOnly Day = new(2026, 12, 7);

    [Fact]
    public void A_days_remittance_is_one_CCD_credit_with_the_days_trace_and_dates_and_reads_back_to_its_amount()
    {
        var file = RemittanceFile.Write(Day, 130_730, NachaWriterTests.Originator, Lockbox, new TimeOnly(0, 15)).Value;
        var lines = Encoding.ASCII.GetString(file.Content).Split('\n');
        Assert.Equal("101 09100001911234567892612080015R094101FED RESERVE BANK       VBI ORLEANS                    ", lines[0]);
        // Created the day after, effective the next business day (2026-12-08 is a Tuesday: the 9th).
        Assert.Equal("5220VBI ORLEANS                         1123456789CCDPOSTAGE   261208261209   1091000010000001", lines[1]);
        Assert.Equal("622021000021LOCKBOX-1        0000013073REM20261207    POSTAL LOCKBOX          0091000019009837", lines[2]);
        Assert.Equal(["091000019009837"], file.TraceNumbers);
        Assert.Equal(RemittanceFile.TraceBase + 9_837, RemittanceFile.TraceSequence(Day));
        Assert.Equal(130_730, NachaCredits.Read(file.Content).Value);
        Assert.Equal(file.Content, RemittanceFile.Write(Day, 130_730, NachaWriterTests.Originator, Lockbox, new TimeOnly(0, 15)).Value.Content);
    }

    [Fact]
    public void Nothing_to_remit_is_a_file_without_a_batch_and_the_net_is_split_into_whole_cents_and_what_stays()
    {
        var file = RemittanceFile.Write(Day, 0, NachaWriterTests.Originator, Lockbox, new TimeOnly(0, 15)).Value;
        Assert.Equal(new NachaTotals(0, 1, 0, 0, 0, 0), file.Totals);
        Assert.Equal(0, NachaCredits.Read(file.Content).Value);
        Assert.Equal(new RemittanceAmounts(12_345, 12_340, 5), RemittanceAmounts.Of(12_345));
        Assert.Equal(new RemittanceAmounts(-800, 0, -800), RemittanceAmounts.Of(-800));
        Assert.Equal(new RemittanceAmounts(0, 0, 0), RemittanceAmounts.Of(0));
        Assert.False(RemittanceFile.Write(Day, -10, NachaWriterTests.Originator, Lockbox, new TimeOnly(0, 15)).IsSuccess);
    }

    private static ReconciliationInputs Agreeing()
    {
        ReconciledTransaction[] log =
        [
            new("m-1", 3, ResettingKind.Pvd, 100_000),
            new("m-1", 6, ResettingKind.Refund, 400),
            new("m-2", 2, ResettingKind.Pvd, 50_000),
            new("m-2", 4, ResettingKind.Withdrawal, 49_270),
        ];
        ReconciledRegisters[] registers = [new("m-1", 6, 1_230, 98_770), new("m-2", 4, 730, 0)];
        return new ReconciliationInputs(Day, log, log, [.. log.Select(t => t with { CustomerId = "u-" + t.MeterId[2..] })], registers, registers,
            100_730, 100_730, 100_730, 100_730, []);
    }

    [Fact]
    public void Agreeing_sides_reconcile_and_every_planted_difference_is_named_with_its_check_meter_customer_and_mills()
    {
        var clean = DailyReconciliation.Compare(Agreeing());
        Assert.True(clean.Reconciled);
        Assert.Equal((2, 150_000L, 150_000L, 150_000L, 100_730L, 0L), (clean.LogPvdCount, clean.LogPvdMills, clean.FilePvdMills, clean.LedgerPvdMills, clean.RemittedMills, clean.CarriedMills));

        var inputs = Agreeing();
        var planted = DailyReconciliation.Compare(inputs with
        {
            Ledger = [.. inputs.Ledger.Select(t => t.MeterId == "m-2" && t.Kind == ResettingKind.Pvd ? t with { AmountMills = 50_001 } : t)],
            ResettingFile = [.. inputs.ResettingFile.Where(t => t.Kind != ResettingKind.Refund), new("m-3", 1, ResettingKind.Pvd, 10)],
            FileRegisters = [new("m-1", 6, 1_230, 98_771), new("m-2", 4, 730, 0)],
            RemittancePostedMills = null,
        });
        Assert.False(planted.Reconciled);
        Assert.Contains(new ReconciliationDifference(ReconciliationChecks.LedgerPvd, "m-2", 2, "u-2", 50_000, 50_001,
            "the PVD at m-2 sequence 2 (customer u-2) is 50000 mills in the log, 50001 in the ledger (postage-funds-held): +1 mills"), planted.Differences);
        Assert.Contains(planted.Differences, d => d is { Check: ReconciliationChecks.ResettingTransaction, MeterId: "m-1", Sequence: 6, ExpectedMills: 400, FoundMills: null });
        Assert.Contains(planted.Differences, d => d is { Check: ReconciliationChecks.ResettingTransaction, MeterId: "m-3", ExpectedMills: null, FoundMills: 10 });
        Assert.Contains(planted.Differences, d => d is { Check: ReconciliationChecks.Registers, MeterId: "m-1", ExpectedMills: 98_770, FoundMills: 98_771, DifferenceMills: 1 });
        Assert.Contains(planted.Differences, d => d is { Check: ReconciliationChecks.RemittancePosting, ExpectedMills: 100_730, FoundMills: null });
        Assert.Equal(5, planted.Differences.Count);

        var remittance = DailyReconciliation.Compare(Agreeing() with { FileNetPostageMills = 100_729, RemittanceFileMills = 100_720 });
        Assert.Equal([ReconciliationChecks.RemittanceNet, ReconciliationChecks.RemittanceFile, ReconciliationChecks.RemittancePosting],
            remittance.Differences.Select(d => d.Check));
    }
}
