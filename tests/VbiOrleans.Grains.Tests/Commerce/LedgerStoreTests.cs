using Microsoft.Extensions.Configuration;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Ledger;
using VbiOrleans.Grains.Commerce;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Database;
using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Commerce;

/// <summary>
/// The ledger store's contract, in memory and on real PostgreSQL (a scratch database with the project's schema):
/// append-only and idempotent by entry id (the same postings again are AlreadyPosted, others a Conflict that changes
/// nothing), I7 refused before anything is written, balances and the trial balance by aggregate, a customer's entries
/// by time, and the meters' registers moving forward only.
/// </summary>
public sealed class LedgerStoreTests : IAsyncLifetime
{
    private string _database = null!;
    private PostgresLedgerStore _postgres = null!;

    public async Task InitializeAsync()
    {
        _database = await LocalServices.CreateScratchDatabaseAsync("vbi_ledger");
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalServices.StoreConnectionStrings.Select(kv =>
                new KeyValuePair<string, string?>($"ConnectionStrings:{kv.Key}", LocalServices.ConnectionString(_database))))
            .Build();
        await SchemaInstaller.ApplyAsync(StoreConnections.Read(config, out var error) ?? throw new InvalidOperationException(error), _ => { }, CancellationToken.None);
        _postgres = new PostgresLedgerStore(LocalServices.ConnectionString(_database));
    }

    public async Task DisposeAsync() => await _postgres.DisposeAsync();

    private ILedgerStore Store(string kind) => kind == "postgres" ? _postgres : new MemoryLedgerStore();

    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static LedgerEntry Entry(string id, IReadOnlyList<LedgerLine> lines, string customer = "u-1", DateTimeOffset? at = null) =>
        new(id, id.Split(':')[0], at ?? T0, customer, "m-1", null, "test", [.. lines.Select(Posting.Of)]);

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task An_entry_posts_once_and_a_different_one_under_its_id_is_a_conflict_that_changes_nothing(string kind)
    {
        var store = Store(kind);
        var pvd = Entry("pvd:m-1:1", Postings.Pvd("u-1", 10_000, PaymentClearing.Card));
        Assert.Equal(LedgerPostStatus.Posted, (await store.PostAsync([pvd], []))[0].Status);
        var reordered = pvd with { Postings = [.. pvd.Postings.Reverse()], Memo = "delivered again" };
        Assert.Equal(LedgerPostStatus.AlreadyPosted, (await store.PostAsync([reordered], []))[0].Status);
        var other = Entry("pvd:m-1:1", Postings.Pvd("u-1", 10_000, PaymentClearing.Ach));
        Assert.Equal(LedgerPostStatus.Conflict, (await store.PostAsync([other], []))[0].Status);

        var found = await store.FindAsync("pvd:m-1:1");
        Assert.NotNull(found);
        Assert.True(EntryRules.SamePostings(pvd.Postings.Select(p => p.ToLine()), found.Postings.Select(p => p.ToLine())));
        Assert.Equal("test", found.Memo);
        Assert.Equal(10_000, await store.BalanceAsync(LedgerAccounts.CardClearing));
        Assert.Equal(0, await store.BalanceAsync(LedgerAccounts.AchClearing));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task I7_an_unbalanced_entry_is_refused_and_nothing_of_its_batch_is_lost(string kind)
    {
        var store = Store(kind);
        var bad = Entry("credit:u-1:bad", [LedgerLine.Debit("fee-revenue", 100), LedgerLine.Credit("customer-credit:u-1", 99)]);
        var single = Entry("credit:u-1:single", [LedgerLine.Debit("fee-revenue", 100)]);
        var good = Entry("credit:u-1:good", Postings.Credit("u-1", 100));
        var results = await store.PostAsync([bad, good, single], []);
        Assert.Equal([LedgerPostStatus.Unbalanced, LedgerPostStatus.Posted, LedgerPostStatus.Unbalanced], results.Select(r => r.Status));
        Assert.Null(await store.FindAsync(bad.Id));
        Assert.Null(await store.FindAsync(single.Id));
        var totals = await store.TotalsAsync();
        Assert.Equal(totals.Sum(t => t.DebitMills), totals.Sum(t => t.CreditMills));
        Assert.Equal(100, totals.Sum(t => t.DebitMills));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task The_trial_balance_a_customers_entries_and_the_postage_funds_snapshot_read_what_was_posted(string kind)
    {
        var store = Store(kind);
        await store.PostAsync(
        [
            Entry("pvd:m-1:1", Postings.Pvd("u-1", 50_000, PaymentClearing.Card), at: T0),
            Entry("print:m-1:2", Postings.Print("u-1", 730), at: T0.AddMinutes(1)),
            Entry("pvd:m-2:1", Postings.Pvd("u-2", 20_000, PaymentClearing.Ach), customer: "u-2", at: T0.AddMinutes(2)),
            Entry("withdrawal:m-2:2", Postings.Withdrawal("u-2", 20_000), customer: "u-2", at: T0.AddMinutes(3)),
        ], [new("m-1", "u-1", 2, 49_270), new("m-2", "u-2", 2, 0), new("m-1", "u-1", 1, 50_000)]);
        // An older sequence delivered again does not move a meter back.
        await store.PostAsync([], [new("m-1", "u-1", 1, 50_000)]);

        var totals = await store.TotalsAsync();
        Assert.Equal(totals.Sum(t => t.DebitMills), totals.Sum(t => t.CreditMills));
        Assert.Equal(-49_270, await store.BalanceAsync(LedgerAccounts.PostageFundsHeld("u-1")));
        Assert.Equal(-20_000, await store.BalanceAsync(LedgerAccounts.RefundsPayable("u-2")));
        Assert.Equal(49_270, await store.BalanceAsync(LedgerAccounts.PostageAtPostalAuthority));

        var u1 = await store.EntriesOfAsync("u-1", T0, T0.AddDays(1), 10);
        Assert.Equal(["pvd:m-1:1", "print:m-1:2"], u1.Select(e => e.Id));
        Assert.All(u1, e => Assert.True(e.Postings.Count >= 2));
        Assert.Equal(["print:m-1:2"], (await store.EntriesOfAsync("u-1", T0.AddSeconds(30), T0.AddDays(1), 10)).Select(e => e.Id));
        Assert.Single(await store.EntriesOfAsync("u-2", T0, T0.AddDays(1), 1));

        var funds = await store.PostageFundsAsync();
        Assert.Equal(49_270, funds.Meters.Single(m => m.MeterId == "m-1").DescendingMills);
        Assert.Equal(0, L1.Check("u-1", funds.Balances[LedgerAccounts.PostageFundsHeld("u-1")], 0, 49_270));
        Assert.Equal(0, L1.Check("u-2", funds.Balances[LedgerAccounts.PostageFundsHeld("u-2")], funds.Balances[LedgerAccounts.RefundsPayable("u-2")], 0));
    }

    [Fact]
    public async Task Concurrent_posts_of_one_id_on_postgres_write_it_once()
    {
        var entry = Entry("refund:m-9:7", Postings.Refund("u-9", 420));
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _postgres.PostAsync([entry], [])));
        Assert.Equal(1, results.Count(r => r[0].Status == LedgerPostStatus.Posted));
        Assert.Equal(7, results.Count(r => r[0].Status == LedgerPostStatus.AlreadyPosted));
        Assert.Equal(420, await _postgres.BalanceAsync(LedgerAccounts.PostageAtPostalAuthority));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task An_accounts_postings_and_movement_within_a_day_are_read_per_entry_by_kind_and_for_every_customer_of_a_kind(string kind)
    {
        var store = Store(kind);
        var dayStart = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
        await store.PostAsync([
            Entry("pvd:m-1:1", Postings.Pvd("u-1", 10_000, PaymentClearing.Card), "u-1", dayStart),
            Entry("pvd:m-2:4", Postings.Pvd("u-2", 2_500, PaymentClearing.Ach), "u-2", dayStart.AddHours(23).AddMinutes(59)),
            Entry("withdrawal:m-2:6", Postings.Withdrawal("u-2", 1_200), "u-2", dayStart.AddHours(12)),
            Entry("pvd:m-1:0", Postings.Pvd("u-1", 999, PaymentClearing.Card), "u-1", dayStart.AddTicks(-10)), // the day before
            Entry("pvd:m-1:9", Postings.Pvd("u-1", 777, PaymentClearing.Card), "u-1", dayStart.AddDays(1)),    // the day after
        ], []);

        var movement = await store.MovementAsync(LedgerAccounts.RemittancePayable, dayStart, dayStart.AddDays(1));
        Assert.Equal([new KindMovement("pvd", 2, 0, 12_500), new KindMovement("withdrawal", 1, 1_200, 0)], movement.ByKind);
        Assert.Equal((1_200L, 12_500L), (movement.DebitMills, movement.CreditMills));

        var held = await store.PostingsOfAsync(LedgerAccounts.PostageFundsHeld("*"), dayStart, dayStart.AddDays(1), null, 10);
        Assert.Equal(["pvd:m-1:1", "pvd:m-2:4", "withdrawal:m-2:6"], held.Select(p => p.EntryId));
        Assert.Equal(("postage-funds-held:u-2", "u-2", "m-1", 0L, 2_500L), (held[1].Account, held[1].CustomerId, held[1].MeterId, held[1].DebitMills, held[1].CreditMills));
        var page = await store.PostingsOfAsync(LedgerAccounts.PostageFundsHeld("*"), dayStart, dayStart.AddDays(1), "pvd:m-1:1", 1);
        Assert.Equal("pvd:m-2:4", Assert.Single(page).EntryId);
        var one = await store.PostingsOfAsync(LedgerAccounts.PostageFundsHeld("u-1"), dayStart, dayStart.AddDays(1), null, 10);
        Assert.Equal(("pvd:m-1:1", 10_000L), (Assert.Single(one).EntryId, one[0].CreditMills));
        Assert.Empty((await store.MovementAsync(LedgerAccounts.Cash, dayStart, dayStart.AddDays(1))).ByKind);
    }
}
