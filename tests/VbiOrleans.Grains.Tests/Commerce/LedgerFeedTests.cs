using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Tests.Log.Feed;

namespace VbiOrleans.Grains.Tests.Commerce;

/// <summary>
/// The ledger's log-feed consumer on a Local-profile silo (memory log and ledger): PVD, print, refund and withdrawal
/// records become their entries once, a rewind posts nothing again, L1 holds at the ledger's position, and a meter no
/// customer owns is posted for the holder <c>unowned</c> so the ledger still balances.
/// </summary>
public sealed class LedgerFeedTests(LogFeedFixture fixture) : IClassFixture<LogFeedFixture>
{
    private static LogRecord Record(string meter, long sequence, TransactionKind kind, long amount, long ar, long dr, MeterCommand? command) =>
        new(meter, sequence, kind, amount, DateTimeOffset.UtcNow, "CM-0001",
            new RowChange([1, 2, 3], new CheckpointData(meter, sequence, kind, amount, ar, dr, "CM-0001", DateTimeOffset.UtcNow, 0, 0, 0, new byte[32]),
                new RegistersView(ar, dr, 0, sequence, "Operational"), null, null, $"k{sequence}", null, null, null, null, null)
            {
                Command = command,
            });

    private async Task AppendAndWaitAsync(params LogRecord[] records)
    {
        foreach (var record in records) await fixture.Log.AppendAsync(record);
        var head = await fixture.Log.Store.HeadAsync();
        await fixture.WaitForAsync(LogFeedConsumers.Ledger, s => s.Position >= head, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Each_money_record_posts_once_a_rewind_posts_nothing_again_and_L1_holds()
    {
        var meter = Domain.Meters.MeterId.New().Value;
        var customer = "u-" + Guid.NewGuid().ToString("N")[..24];
        await fixture.Cluster.GrainFactory.GetGrain<IMeterOwnerGrain>(meter).Claim(customer);
        await AppendAndWaitAsync(
            Record(meter, 1, TransactionKind.License, 0, 0, 0, new LicenseCommand("10001")),
            Record(meter, 2, TransactionKind.PostageValueDownload, 10_000, 0, 10_000, new PostageValueDownloadCommand(10_000, "ref-1")),
            Record(meter, 3, TransactionKind.Print, 700, 700, 9_300, null),
            Record(meter, 4, TransactionKind.Refund, 700, 0, 10_000, new RefundCommand($"{meter}-3")),
            Record(meter, 5, TransactionKind.Print, 1_200, 1_200, 8_800, null));

        var ledger = fixture.Cluster.GrainFactory.GetGrain<ILedgerGrain>(0);
        var range = (DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
        var entries = await ledger.EntriesOf(customer, range.Item1, range.Item2, 100);
        Assert.Equal([$"pvd:{meter}:2", $"print:{meter}:3", $"refund:{meter}:4", $"print:{meter}:5"], entries.Select(e => e.Id));
        Assert.Equal("ref-1", entries[0].Reference);
        Assert.Equal(-8_800, await ledger.Balance(LedgerAccounts.PostageFundsHeld(customer)));
        Assert.True((await ledger.TrialBalance()).Balances);

        var report = await fixture.Cluster.GrainFactory.GetGrain<IPostageFundsGrain>(0).Reconcile();
        var row = report.Customers.Single(c => c.CustomerId == customer);
        Assert.Equal((8_800, 8_800, 0L), (row.PostageFundsHeldMills, row.SumOfDescendingMills, row.DifferenceMills));

        // The whole log again: nothing posted twice, the balances as they were.
        var before = await ledger.TrialBalance();
        await fixture.Cluster.GrainFactory.GetGrain<ILogFeedGrain>(LogFeedConsumers.Ledger).Rewind();
        await AppendAndWaitAsync(Record(meter, 6, TransactionKind.Withdraw, 8_800, 1_200, 0, new WithdrawCommand()));
        Assert.Equal(5, (await ledger.EntriesOf(customer, range.Item1, range.Item2, 100)).Count);
        var after = await ledger.TrialBalance();
        Assert.True(after.Balances);
        Assert.Equal(before.TotalDebitMills + 2 * 8_800, after.TotalDebitMills); // the withdrawal's two debits only
        Assert.Equal(0, await ledger.Balance(LedgerAccounts.PostageFundsHeld(customer)));
        Assert.Equal(-8_800, await ledger.Balance(LedgerAccounts.RefundsPayable(customer)));
        var reconciled = (await fixture.Cluster.GrainFactory.GetGrain<IPostageFundsGrain>(0).Reconcile()).Customers.Single(c => c.CustomerId == customer);
        Assert.Equal((8_800, 0, 8_800, 0L), (reconciled.PostageFundsHeldMills, reconciled.SumOfDescendingMills, reconciled.RefundsPayableMills, reconciled.DifferenceMills));
    }

    [Fact]
    public async Task A_meter_no_customer_owns_is_posted_for_the_unowned_holder()
    {
        var meter = Domain.Meters.MeterId.New().Value;
        await AppendAndWaitAsync(Record(meter, 1, TransactionKind.PostageValueDownload, 4_000, 0, 4_000, new PostageValueDownloadCommand(4_000, "pay-x")));
        var entry = await fixture.Cluster.GrainFactory.GetGrain<ILedgerGrain>(0).Find($"pvd:{meter}:1");
        Assert.NotNull(entry);
        Assert.Null(entry.CustomerId);
        Assert.Contains(entry.Postings, p => p.Account == LedgerAccounts.PostageFundsHeld("unowned") && p.CreditMills == 4_000);
        Assert.True((await fixture.Cluster.GrainFactory.GetGrain<ILedgerGrain>(0).TrialBalance()).Balances);
    }
}
