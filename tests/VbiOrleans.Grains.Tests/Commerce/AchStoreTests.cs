using Microsoft.Extensions.Configuration;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Grains.Commerce.Ach;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Database;
using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Commerce;

/// <summary>
/// The rules the ACH origination grain leans on, held by both stores alike: the PostgreSQL one (infra/sql/53-ach.sql,
/// in a scratch database) and the Local profile's memory one. A debit is queued once, is in one file, settles only
/// when due and never once a return is recorded, and a return is recorded once.
/// </summary>
public sealed class AchStoreTests
{
    private const string Prefix = "09100001";
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 12, 7);

    public static TheoryData<string> Stores => new() { "postgres", "memory" };

    private static async Task<IAchStore> StoreAsync(string kind)
    {
        if (kind == "memory") return new MemoryAchStore();
        var database = await LocalServices.CreateScratchDatabaseAsync("vbi_achstore");
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalServices.StoreConnectionStrings.Select(kv =>
                new KeyValuePair<string, string?>($"ConnectionStrings:{kv.Key}", LocalServices.ConnectionString(database))))
            .Build();
        await SchemaInstaller.ApplyAsync(StoreConnections.Read(config, out var error) ?? throw new InvalidOperationException(error), _ => { }, CancellationToken.None);
        return new PostgresAchStore(LocalServices.ConnectionString(database));
    }

    private static AchDebitRequest Request(string purchase, long mills = 10_000) => new(purchase, "u-c1", "pm-1", mills, Day);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_debit_is_queued_once_per_purchase_with_a_trace_number_drawn_once(string kind)
    {
        var store = await StoreAsync(kind);
        var first = await store.QueueAsync(Request("pur_a"), Prefix, T0);
        var again = await store.QueueAsync(Request("pur_a", 99_990), Prefix, T0.AddMinutes(1));
        Assert.Equal(first, again); // the stored debit; the grain compares it with the request
        var second = await store.QueueAsync(Request("pur_b"), Prefix, T0);
        Assert.Equal(AchDebitStatus.Queued, first.Status);
        Assert.Equal(15, first.TraceNumber.Length);
        Assert.StartsWith(Prefix, first.TraceNumber, StringComparison.Ordinal);
        Assert.True(string.CompareOrdinal(first.TraceNumber, second.TraceNumber) < 0, "traces ascend in the order debits are queued");
        Assert.Equal(first, await store.FindByTraceAsync(first.TraceNumber));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_days_file_takes_its_debits_once_and_a_second_file_of_the_day_or_of_a_taken_debit_writes_nothing(string kind)
    {
        var store = await StoreAsync(kind);
        var a = await store.QueueAsync(Request("pur_a"), Prefix, T0);
        var b = await store.QueueAsync(Request("pur_b"), Prefix, T0);
        var late = await store.QueueAsync(Request("pur_late"), Prefix, T0.AddDays(1));
        var queued = await store.QueuedBeforeAsync(T0.AddHours(1), 10);
        Assert.Equal([a.TraceNumber, b.TraceNumber], queued.Select(d => d.TraceNumber));
        Assert.Single(await store.QueuedBeforeAsync(T0.AddHours(1), 1));

        var file = new AchFileRow("ach-20261207", Day, "ach/outgoing/2026-12-07/ach-20261207.ach", 2, 20_000, 3_200_003, 1, "ab", T0, false);
        Assert.True(await store.CreateFileAsync(file, [("pur_a", Day.AddDays(3)), ("pur_b", Day.AddDays(3))]));
        Assert.Equal([a.TraceNumber, b.TraceNumber], (await store.DebitsInFileAsync("ach-20261207")).Select(d => d.TraceNumber));
        Assert.All(await store.DebitsInFileAsync("ach-20261207"), d => Assert.Equal((AchDebitStatus.Sent, Day.AddDays(3)), (d.Status, d.SettleOn)));
        Assert.Empty(await store.QueuedBeforeAsync(T0.AddHours(1), 10));

        // The same day again, and another day's file naming a debit already sent: refused whole.
        Assert.False(await store.CreateFileAsync(file with { FileId = "ach-other" }, [("pur_late", Day)]));
        var next = new AchFileRow("ach-20261208", Day.AddDays(1), "x.ach", 2, 20_000, 0, 1, "cd", T0, false);
        Assert.False(await store.CreateFileAsync(next, [("pur_late", Day.AddDays(4)), ("pur_a", Day.AddDays(4))]));
        Assert.Null(await store.FindFileAsync(Day.AddDays(1)));
        Assert.Equal(AchDebitStatus.Queued, (await store.FindByTraceAsync(late.TraceNumber))!.Status);
        Assert.Equal("ach-20261207", (await store.FindByTraceAsync(a.TraceNumber))!.FileId);

        Assert.False((await store.FindFileAsync(Day))!.Written);
        await store.MarkFileWrittenAsync("ach-20261207");
        Assert.True((await store.FindFileAsync(Day))!.Written);
        Assert.Equal(["ach-20261207"], (await store.FilesAsync(null, 10)).Select(f => f.FileId));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Settlement_takes_only_sent_debits_that_are_due_and_never_one_with_a_return_recorded(string kind)
    {
        var store = await StoreAsync(kind);
        var a = await store.QueueAsync(Request("pur_a"), Prefix, T0);
        var b = await store.QueueAsync(Request("pur_b"), Prefix, T0);
        var c = await store.QueueAsync(Request("pur_c"), Prefix, T0);
        await store.CreateFileAsync(new AchFileRow("ach-20261207", Day, "f.ach", 3, 30_000, 0, 1, "ab", T0, true),
            [("pur_a", Day.AddDays(3)), ("pur_b", Day.AddDays(3)), ("pur_c", Day.AddDays(5))]);

        Assert.Empty(await store.DueForSettlementAsync(Day.AddDays(2), 10));
        Assert.Equal([a.TraceNumber, b.TraceNumber], (await store.DueForSettlementAsync(Day.AddDays(3), 10)).Select(d => d.TraceNumber));

        // b's return is recorded (its effects not yet done): settlement leaves it alone from then on.
        var (row, inserted) = await store.RecordReturnAsync(new AchReturnRow(b.TraceNumber, "R01", false, "ach/returns/r.ach", T0, false));
        Assert.True(inserted);
        Assert.Equal([a.TraceNumber], (await store.DueForSettlementAsync(Day.AddDays(3), 10)).Select(d => d.TraceNumber));
        await store.MarkSettledAsync("pur_a", T0.AddDays(3));
        Assert.Equal(AchDebitStatus.Settled, (await store.FindByTraceAsync(a.TraceNumber))!.Status);
        Assert.Equal([c.TraceNumber], (await store.DueForSettlementAsync(Day.AddDays(9), 10)).Select(d => d.TraceNumber));

        // A second return of b is not recorded again; it stays pending until its effects are done.
        var (again, insertedAgain) = await store.RecordReturnAsync(new AchReturnRow(b.TraceNumber, "R03", false, "ach/returns/s.ach", T0.AddHours(1), false));
        Assert.False(insertedAgain);
        Assert.Equal(row, again);
        Assert.Equal([b.TraceNumber], (await store.PendingReturnsAsync(10)).Select(r => r.TraceNumber));
        await store.MarkReturnAppliedAsync(b.TraceNumber, "R01", T0.AddHours(2));
        Assert.Empty(await store.PendingReturnsAsync(10));
        var returned = (await store.FindByTraceAsync(b.TraceNumber))!;
        Assert.Equal((AchDebitStatus.Returned, "R01"), (returned.Status, returned.ReturnCode));

        await store.MarkReturnPaidAsync(b.TraceNumber, "ch_1", T0.AddDays(1));
        await store.MarkReturnPaidAsync(b.TraceNumber, "ch_2", T0.AddDays(2));
        Assert.Equal("ch_1", (await store.FindByTraceAsync(b.TraceNumber))!.ReturnPaidCharge);
        Assert.Equal([c.TraceNumber, b.TraceNumber, a.TraceNumber], // newest first; queued together, by trace
            (await store.DebitsOfCustomerAsync("u-c1", 10)).Select(d => d.TraceNumber));

        Assert.False(await store.IsReturnFileReadAsync("ach/returns/r.ach"));
        Assert.Equal(["ach/returns/s.ach", "ach/returns/r.ach"], await store.UnreadReturnFilesAsync(["ach/returns/s.ach", "ach/returns/r.ach"]));
        await store.MarkReturnFileReadAsync("ach/returns/r.ach", 1, T0);
        Assert.Equal(["ach/returns/s.ach"], await store.UnreadReturnFilesAsync(["ach/returns/s.ach", "ach/returns/r.ach"]));
        await store.MarkReturnFileReadAsync("ach/returns/r.ach", 1, T0);
        Assert.True(await store.IsReturnFileReadAsync("ach/returns/r.ach"));
    }
}
