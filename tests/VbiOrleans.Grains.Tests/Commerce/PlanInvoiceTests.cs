using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Domain.Payments;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Commerce;
using VbiOrleans.Host.Hosting;
using VbiOrleans.Mail;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Tests.Commerce;

/// <summary>One silo with the plan and invoice grains, the ledger (in memory), payment methods, standing, a test provider and mail.</summary>
public sealed class PlanInvoiceFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        PdfSharp.PdfSharpLicense.SetAgplLicense();
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            foreach (var store in Abstractions.StorageNames.All) silo.AddMemoryGrainStorage(store);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<TimeProvider, ShiftedClock>();
            SiloSetup.AddVbiServices(silo);
            silo.Services.AddSingleton<IPaymentProvider, TestPaymentProvider>();
            silo.Services.AddSingleton<IMailSender, CapturingMailSender>();
            // The ACH origination writes the day's NACHA file to the archive (invoices collected from bank accounts).
            silo.Services.AddSingleton<VbiOrleans.Grains.Archive.IArchiveStore>(new VbiOrleans.Grains.Archive.FolderArchiveStore(
                Path.Combine(Path.GetTempPath(), "vbi-plan-invoice-archive-" + Guid.NewGuid().ToString("N"))));
            silo.Services.Configure<InvoiceOptions>(o =>
            {
                o.CollectionAttempts = 3;
                o.FirstRetryDelay = TimeSpan.FromMilliseconds(200);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(400);
                o.FeesCatchUpWait = TimeSpan.FromSeconds(10);
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlanInvoiceCollection : ICollectionFixture<PlanInvoiceFixture>
{
    public const string Name = "plans and invoices (in-memory silo)";
}

[Collection(PlanInvoiceCollection.Name)]
public sealed class PlanInvoiceTests(PlanInvoiceFixture fixture)
{
    private static readonly string Run = Guid.NewGuid().ToString("N")[..8];

    private Task<LedgerEntry?> Entry(string id) => fixture.Grains.GetGrain<ILedgerGrain>(0).Find(id);

    private async Task<long> Debit(string entryId, string account) => (await Entry(entryId))!.Postings.Where(p => p.Account == account).Sum(p => p.DebitMills);

    private async Task<string> CustomerAsync(string name, string? source)
    {
        var customerId = $"u-{name}-{Run}";
        await fixture.Grains.GetGrain<ICustomerGrain>(customerId).Create($"{name}-{Run}@example.com", name, [1, 2, 3]);
        if (source is not null)
            Assert.True((await fixture.Grains.GetGrain<IPaymentMethodsGrain>(customerId).AddCard(source, "card-1")).IsSuccess);
        return customerId;
    }

    /// <summary>The PDF's text as pdftotext (poppler-utils) reads it.</summary>
    private static string PdfText(byte[] pdf)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, pdf);
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("pdftotext", ["-layout", file, "-"]) { RedirectStandardOutput = true })!;
            var text = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(30_000), "pdftotext did not finish");
            Assert.Equal(0, process.ExitCode);
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static LogRecord Print(string meter, long sequence, DateTimeOffset at) =>
        new(meter, sequence, TransactionKind.Print, 600, at, "CM-0001", RowChange.Event with { SealedPackage = [1] });

    private static LogRecord Refund(string meter, long sequence, long refunded, DateTimeOffset at) =>
        new(meter, sequence, TransactionKind.Refund, 600, at, "CM-0001", RowChange.Event with { SealedPackage = [1], RefundedSequence = refunded });

    [Fact]
    public async Task A_plan_change_mid_month_posts_each_plan_prorated_by_the_second_and_the_month_close_posts_the_rest()
    {
        var c = await CustomerAsync("prorate", null);
        var plan = fixture.Grains.GetGrain<ICustomerPlanGrain>(c);
        ShiftedClock.Set(new DateTimeOffset(2027, 3, 10, 12, 0, 0, TimeSpan.Zero));
        Assert.Empty((await plan.Choose("starter")).Posted); // no monthly fee, no trial
        Assert.Equal(VbiOrleans.Domain.Errors.ErrorCode.UnknownPlan, (await plan.Choose("gold")).Error);

        ShiftedClock.Set(new DateTimeOffset(2027, 3, 16, 0, 0, 0, TimeSpan.Zero));
        var toBusiness = await plan.Choose("business");
        Assert.Empty(toBusiness.Posted);
        Assert.Equal("business", toBusiness.Plan!.PlanId);
        Assert.Empty((await plan.Choose("business")).Posted); // the plan in effect: nothing changes
        Assert.Equal(2, (await plan.Get()).History.Count);

        ShiftedClock.Set(new DateTimeOffset(2027, 3, 24, 0, 0, 0, TimeSpan.Zero));
        var toVolume = await plan.Choose("volume");
        // Business for March 16th to 24th, 8 of 31 days: earned by the 24th 15,990 × 23/31 = 11,863.5 → 11,860, by the 16th 15,990 × 15/31 = 7,737.1 → 7,730.
        var business = Assert.Single(toVolume.Posted);
        Assert.Equal(($"plan-fee:{c}:2027-03:2", 4_130L), (business.EntryId, business.FeeMills));
        Assert.Equal(4_130, await Debit(business.EntryId, LedgerAccounts.FeesReceivable(c)));

        ShiftedClock.Set(new DateTimeOffset(2027, 4, 1, 2, 0, 0, TimeSpan.Zero));
        var closed = await fixture.Grains.GetGrain<ICustomerPlanGrain>(c).CloseMonth("2027-03");
        // Volume for the rest of March: 49,990 minus the 37,080 earned by the 24th (49,990 × 23/31 = 37,089.4).
        Assert.Equal([($"plan-fee:{c}:2027-03:2", 4_130L), ($"plan-fee:{c}:2027-03:3", 12_910L)], closed.Select(p => (p.EntryId, p.FeeMills)));
        var entries = await fixture.Grains.GetGrain<ILedgerGrain>(0).EntriesOf(c, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 1000);
        Assert.Equal(4_130 + 12_910, entries.Sum(e => e.Postings.Sum(p => p.DebitMills)));
        Assert.Equal(new DateTimeOffset(2027, 3, 31, 23, 59, 59, TimeSpan.Zero), (await Entry($"plan-fee:{c}:2027-03:3"))!.At);
        await plan.Choose("starter"); // leaves the customer out of later months' invoices
    }

    [Fact]
    public async Task Label_fees_from_the_log_are_invoiced_with_the_refund_credited_mailed_once_and_collected_once()
    {
        var c = await CustomerAsync("invoice", "ok");
        var meter = $"m-inv-{Run}";
        await fixture.Grains.GetGrain<IMeterOwnerGrain>(meter).Claim(c);
        ShiftedClock.Set(new DateTimeOffset(2027, 5, 3, 9, 0, 0, TimeSpan.Zero));
        await fixture.Grains.GetGrain<ICustomerPlanGrain>(c).Choose("starter");
        var day = new DateTimeOffset(2027, 5, 5, 10, 0, 0, TimeSpan.Zero);
        var feed = new FeesFeed(fixture.Grains);
        await feed.ApplyAsync([Print(meter, 1, day), Print(meter, 2, day.AddMinutes(1))], CancellationToken.None);
        // At least once: the same records again, then the next ones.
        await feed.ApplyAsync([Print(meter, 1, day), Print(meter, 2, day.AddMinutes(1)), Print(meter, 3, day.AddMinutes(2)), Refund(meter, 4, 2, day.AddDays(1))], CancellationToken.None);

        var fees = await Task.WhenAll(new[] { 1, 2, 3 }.Select(s => Debit($"fee:{meter}:{s}", LedgerAccounts.FeesReceivable(c))));
        Assert.Equal([250L, 250L, 250L], fees);
        Assert.Equal(3, (await fixture.Grains.GetGrain<ICustomerPlanGrain>(c).Get()).LabelsThisMonth);
        Assert.Equal(-250, await fixture.Grains.GetGrain<ILedgerGrain>(0).Balance(LedgerAccounts.CustomerCredit(c)));

        ShiftedClock.Set(new DateTimeOffset(2027, 6, 1, 2, 0, 0, TimeSpan.Zero));
        var mailsBefore = CapturingMailSender.Sent.Count(m => m.To.StartsWith("invoice-" + Run, StringComparison.Ordinal));
        Assert.Equal(0, mailsBefore);
        var run = await fixture.Grains.GetGrain<IInvoiceRunGrain>(0).Run("2027-05");
        Assert.True(run.IsSuccess, run.Message);
        var invoice = Assert.Single(run.Invoices, i => i.CustomerId == c);
        var number = $"inv-202705-{c}";
        Assert.Equal(number, invoice.Number);
        Assert.Equal([new InvoiceLineView("label-fee", "Label fees", 3, 250, 750)], invoice.Lines);
        Assert.Equal((750L, 250L, 500L, InvoiceStatus.Paid), (invoice.SubtotalMills, invoice.CreditAppliedMills, invoice.TotalMills, invoice.Status));
        Assert.Equal(500, await Debit($"invoice-paid:{number}", LedgerAccounts.CardClearing));
        Assert.Equal(250, await Debit($"credit-applied:{number}", LedgerAccounts.CustomerCredit(c)));
        var ledger = fixture.Grains.GetGrain<ILedgerGrain>(0);
        Assert.Equal(0, await ledger.Balance(LedgerAccounts.FeesReceivable(c)));
        Assert.Equal(0, await ledger.Balance(LedgerAccounts.CustomerCredit(c)));

        var again = await fixture.Grains.GetGrain<IInvoiceRunGrain>(0).Run("2027-05");
        var same = Assert.Single(again.Invoices, i => i.CustomerId == c);
        Assert.Equal((invoice.IssuedAt, invoice.TotalMills, invoice.ChargeId, invoice.MailedAt, invoice.CollectionAttempts),
            (same.IssuedAt, same.TotalMills, same.ChargeId, same.MailedAt, same.CollectionAttempts));
        Assert.Equal(invoice.Lines, same.Lines);
        var mail = Assert.Single(CapturingMailSender.Sent, m => m.To == $"invoice-{Run}@example.com");
        Assert.Equal($"Invoice {number} for 2027-05: $0.50", mail.Subject);
        var attachment = Assert.Single(mail.Attachments);
        Assert.Equal($"{number}.pdf", attachment.FileName);
        Assert.Equal("%PDF-"u8.ToArray(), attachment.Content[..5]);
        var text = PdfText(attachment.Content);
        Assert.Contains(number, text);
        Assert.Matches(@"Total due\s+\$0\.50", text);
        Assert.Equal([("authorize", $"invoice:{number}"), ("capture", $"invoice:{number}:capture")],
            TestPaymentProvider.Calls.Where(x => x.Key.Contains(number, StringComparison.Ordinal)).Select(x => (x.Call, x.Key)));
        Assert.Equal([number], await fixture.Grains.GetGrain<ICustomerPlanGrain>(c).Invoices());
    }

    [Fact]
    public async Task A_declined_collection_is_retried_with_a_new_key_each_time_then_the_account_is_locked()
    {
        var c = await CustomerAsync("declined", "declined");
        var meter = $"m-dec-{Run}";
        await fixture.Grains.GetGrain<IMeterOwnerGrain>(meter).Claim(c);
        ShiftedClock.Set(new DateTimeOffset(2027, 7, 2, 9, 0, 0, TimeSpan.Zero));
        await fixture.Grains.GetGrain<ICustomerPlanGrain>(c).Choose("starter");
        var day = new DateTimeOffset(2027, 7, 9, 10, 0, 0, TimeSpan.Zero);
        await new FeesFeed(fixture.Grains).ApplyAsync([Print(meter, 1, day), Print(meter, 2, day)], CancellationToken.None);

        ShiftedClock.Set(new DateTimeOffset(2027, 8, 1, 2, 0, 0, TimeSpan.Zero));
        Assert.Equal(VbiOrleans.Domain.Errors.ErrorCode.InvalidBillingMonth, (await fixture.Grains.GetGrain<IInvoiceRunGrain>(0).Run("2027-08")).Error);
        var run = await fixture.Grains.GetGrain<IInvoiceRunGrain>(0).Run("2027-07");
        var number = $"inv-202707-{c}";
        var first = Assert.Single(run.Invoices, i => i.CustomerId == c);
        Assert.Equal((500L, InvoiceStatus.Open, 1, "Declined"), (first.TotalMills, first.Status, first.CollectionAttempts, first.LastFailure));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        InvoiceView? invoice;
        while ((invoice = await fixture.Grains.GetGrain<IInvoiceGrain>(number).Get())!.Status == InvoiceStatus.Open && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal((InvoiceStatus.Unpaid, 3), (invoice.Status, invoice.CollectionAttempts));
        Assert.Equal([$"invoice:{number}", $"invoice:{number}:1", $"invoice:{number}:2"],
            TestPaymentProvider.Calls.Where(x => x.Key.Contains(number, StringComparison.Ordinal)).Select(x => x.Key));
        var standing = await fixture.Grains.GetGrain<ICommerceAccountGrain>(c).Standing();
        var accountLock = Assert.Single(standing.Locks);
        Assert.Equal((AccountLockReason.InvoiceUnpaid, number), (accountLock.Reason, accountLock.Reference));
        Assert.Null(await Entry($"invoice-paid:{number}"));
        Assert.Equal(500, await fixture.Grains.GetGrain<ILedgerGrain>(0).Balance(LedgerAccounts.FeesReceivable(c)));
    }
    [Fact]
    public async Task An_invoice_of_a_bank_account_customer_is_collected_by_an_ACH_debit_and_a_return_reopens_it_and_locks_until_paid()
    {
        var c = await CustomerAsync("achinvoice", null);
        var methods = fixture.Grains.GetGrain<IPaymentMethodsGrain>(c);
        var bank = await methods.AddBankAccount(new BankAccountInput("021000021", "000123456789", BankAccountType.Checking, "Ada Lovelace",
            new AchAuthorizationAcceptance(true, AchAuthorization.CurrentVersion, "127.0.0.1", "customer")), "bank-1");
        Assert.True(bank.IsSuccess, bank.Message);
        var card = await methods.AddCard("ok", "card-1");
        Assert.True(card.IsSuccess, card.Message);
        Assert.Equal(bank.Method!.Id, (await methods.Default())!.Id);
        var meter = $"m-achinv-{Run}";
        await fixture.Grains.GetGrain<IMeterOwnerGrain>(meter).Claim(c);
        ShiftedClock.Set(new DateTimeOffset(2027, 9, 2, 9, 0, 0, TimeSpan.Zero));
        await fixture.Grains.GetGrain<ICustomerPlanGrain>(c).Choose("starter");
        var day = new DateTimeOffset(2027, 9, 9, 10, 0, 0, TimeSpan.Zero);
        await new FeesFeed(fixture.Grains).ApplyAsync([Print(meter, 1, day), Print(meter, 2, day)], CancellationToken.None);

        // Collected by an ACH debit queued under the invoice's number: paid, the money waiting in ACH clearing.
        ShiftedClock.Set(new DateTimeOffset(2027, 10, 1, 2, 0, 0, TimeSpan.Zero));
        var run = await fixture.Grains.GetGrain<IInvoiceRunGrain>(0).Run("2027-09");
        var number = $"inv-202709-{c}";
        var invoice = Assert.Single(run.Invoices, i => i.CustomerId == c);
        Assert.Equal((500L, InvoiceStatus.Paid, null), (invoice.TotalMills, invoice.Status, invoice.LastFailure));
        Assert.Equal(500, await Debit($"invoice-paid:{number}", LedgerAccounts.AchClearing));
        var ledger = fixture.Grains.GetGrain<ILedgerGrain>(0);
        Assert.Equal(0, await ledger.Balance(LedgerAccounts.FeesReceivable(c)));
        var ach = fixture.Grains.GetGrain<IAchOriginationGrain>(0);
        var debit = Assert.Single(await ach.Debits(c, 10));
        Assert.Equal((number, 500L, AchDebitStatus.Queued, invoice.AchTraceNumber), (debit.PurchaseId, debit.AmountMills, debit.Status, debit.TraceNumber));
        // The invoice run again collects nothing twice.
        Assert.Single(await ach.Debits(c, 10));
        Assert.Equal(invoice.AchTraceNumber, Assert.Single((await fixture.Grains.GetGrain<IInvoiceRunGrain>(0).Run("2027-09")).Invoices, i => i.CustomerId == c).AchTraceNumber);

        var file = await ach.RunDay(new DateOnly(2027, 10, 1));
        Assert.True(file.IsSuccess, file.Message);
        Assert.Equal(AchDebitStatus.Sent, Assert.Single(await ach.Debits(c, 10)).Status);

        // The customer's bank returns it (R01): the invoice is unpaid again, the money is owed, the account locked.
        var returned = await ach.ApplyReturns(ReturnFile(new DateOnly(2027, 10, 5), debit.TraceNumber, "R01", "021000021", "000123456789", 50, c));
        Assert.True(returned.IsSuccess, returned.Message);
        Assert.Equal(AchReturnOutcomeKind.Applied, Assert.Single(returned.Returns).Outcome);
        var reopened = (await fixture.Grains.GetGrain<IInvoiceGrain>(number).Get())!;
        Assert.Equal((InvoiceStatus.Unpaid, "AchReturned:R01"), (reopened.Status, reopened.LastFailure));
        Assert.Equal(500, await Debit($"ach-return:{debit.TraceNumber}", LedgerAccounts.AchReturnsReceivable(c)));
        var accountLock = Assert.Single((await fixture.Grains.GetGrain<ICommerceAccountGrain>(c).Standing()).Locks);
        Assert.Equal((AccountLockReason.AchReturned, debit.TraceNumber), (accountLock.Reason, accountLock.Reference));
        // The same return file again applies nothing twice.
        Assert.Equal(AchReturnOutcomeKind.Duplicate, Assert.Single((await ach.ApplyReturns(ReturnFile(new DateOnly(2027, 10, 5), debit.TraceNumber, "R01",
            "021000021", "000123456789", 50, c))).Returns).Outcome);

        // Paid by card: the invoice is paid, the lock lifted, nothing owed.
        var paid = await ach.PayReturn(c, debit.TraceNumber, card.Method!.Id);
        Assert.True(paid.IsSuccess, paid.Message);
        Assert.Equal(InvoiceStatus.Paid, (await fixture.Grains.GetGrain<IInvoiceGrain>(number).Get())!.Status);
        Assert.False((await fixture.Grains.GetGrain<ICommerceAccountGrain>(c).Standing()).Locked);
        Assert.Equal(0, await ledger.Balance(LedgerAccounts.AchReturnsReceivable(c)));
        Assert.Equal(0, await ledger.Balance(LedgerAccounts.FeesReceivable(c)));
    }

    [Fact]
    public async Task Card_clearing_is_settled_to_cash_day_by_day_once_the_processor_pays_each_day_out_net_of_refunds()
    {
        var ledger = fixture.Grains.GetGrain<ILedgerGrain>(0);
        var settlement = fixture.Grains.GetGrain<ICardSettlementGrain>(0);
        ShiftedClock.Set(new DateTimeOffset(2028, 1, 10, 12, 0, 0, TimeSpan.Zero));
        // Whatever earlier stories left in card clearing is settled first; then nothing is left before January 8th.
        Assert.True((await settlement.Settle(new DateOnly(2028, 1, 7))).IsSuccess);
        var capture = new LedgerEntry($"test-capture-{Run}", "test", new DateTimeOffset(2028, 1, 8, 10, 0, 0, TimeSpan.Zero), null, null, null, "a card capture",
            [Posting.Debit(LedgerAccounts.CardClearing, 30_000), Posting.Credit(LedgerAccounts.FeeRevenue, 30_000)]);
        var refund = new LedgerEntry($"test-refund-{Run}", "test", new DateTimeOffset(2028, 1, 9, 10, 0, 0, TimeSpan.Zero), null, null, null, "a card refund",
            [Posting.Debit(LedgerAccounts.FeeRevenue, 34_000), Posting.Credit(LedgerAccounts.CardClearing, 34_000)]);
        Assert.True((await ledger.Post(capture)).IsSuccess);
        Assert.True((await ledger.Post(refund)).IsSuccess);

        // January 8th is paid out two days after it ends, not before.
        Assert.Equal(VbiOrleans.Domain.Errors.ErrorCode.CardSettlementDayTooRecent, (await settlement.Settle(new DateOnly(2028, 1, 8))).Error);
        ShiftedClock.Set(new DateTimeOffset(2028, 1, 12, 12, 0, 0, TimeSpan.Zero));
        var run = await settlement.Settle(new DateOnly(2028, 1, 9));
        Assert.True(run.IsSuccess, run.Message);
        Assert.Equal([(new DateOnly(2028, 1, 8), 30_000L), (new DateOnly(2028, 1, 9), -34_000L)], run.Days.Select(d => (d.Date, d.AmountMills)));
        var eighth = (await ledger.Find("card-settled:2028-01-08"))!;
        Assert.Equal([Posting.Debit(LedgerAccounts.Cash, 30_000), Posting.Credit(LedgerAccounts.CardClearing, 30_000)], eighth.Postings);
        var ninth = (await ledger.Find("card-settled:2028-01-09"))!;
        Assert.Equal([Posting.Debit(LedgerAccounts.CardClearing, 34_000), Posting.Credit(LedgerAccounts.Cash, 34_000)], ninth.Postings);
        // Settled once: the same days again settle nothing, and the ledger still balances.
        Assert.Empty((await settlement.Settle(new DateOnly(2028, 1, 9))).Days);
        Assert.True((await ledger.TrialBalance()).Balances);
    }

    /// <summary>A return file as an RDFI sends it: one return (addenda 99) of our debit's trace.</summary>
    private static byte[] ReturnFile(DateOnly date, string trace, string code, string routing, string account, long cents, string id)
    {
        var yymmdd = date.ToString("yyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var hash = long.Parse(routing[..8], System.Globalization.CultureInfo.InvariantCulture);
        var lines = new List<string>
        {
            $"101 091000019 021000021{yymmdd}0930A094101{"VBI ORLEANS",-23}{"ODFI BANK",-23}{"",8}",
            $"5225{"VBI ORLEANS",-16}{"",20}1000000001PPD{"POSTAGE",-10}{yymmdd}{yymmdd}   102100002{1:D7}",
            $"626{routing}{account,-17}{cents:D10}{id[..Math.Min(15, id.Length)].ToUpperInvariant(),-15}{"RETURNED",-22}  102100002{1:D7}",
            $"799{code}{trace}      {routing[..8]}{"",44}02100002{1:D7}",
            $"8225{2:D6}{hash:D10}{cents:D12}{0:D12}1000000001{"",19}{"",6}02100002{1:D7}",
            $"9{1:D6}{1:D6}{2:D8}{hash:D10}{cents:D12}{0:D12}{"",39}",
        };
        while (lines.Count % 10 != 0) lines.Add(new string('9', 94));
        Assert.All(lines, l => Assert.Equal(94, l.Length));
        return System.Text.Encoding.ASCII.GetBytes(string.Join("\n", lines) + "\n");
    }
}
