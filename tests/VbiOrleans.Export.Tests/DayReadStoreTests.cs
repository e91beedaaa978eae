using Microsoft.Extensions.Configuration;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Ledger;
using VbiOrleans.Grains.Commerce;
using VbiOrleans.Grains.Log.Export;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Database;
using VbiOrleans.Testing;

namespace VbiOrleans.Export.Tests;

/// <summary>
/// The stores' by-day reads the export pages through, in memory and on real PostgreSQL (a scratch database with the
/// project's schema): the ledger's entries of a day in (at, id) order with their postings, paged by the last entry
/// without losing or repeating one at an instant shared by several; and the by-day index of purchases and invoices,
/// idempotent, per kind and day, paged by id.
/// </summary>
[Trait("Services", "PostgreSQL")]
public sealed class DayReadStoreTests : IAsyncLifetime
{
    private string _database = null!;
    private PostgresLedgerStore _ledger = null!;
    private PostgresExportDayIndex _index = null!;

    public async Task InitializeAsync()
    {
        _database = await LocalServices.CreateScratchDatabaseAsync("vbi_dayread");
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalServices.StoreConnectionStrings.Select(kv =>
                new KeyValuePair<string, string?>($"ConnectionStrings:{kv.Key}", LocalServices.ConnectionString(_database))))
            .Build();
        await SchemaInstaller.ApplyAsync(StoreConnections.Read(config, out var error) ?? throw new InvalidOperationException(error), _ => { }, CancellationToken.None);
        _ledger = new PostgresLedgerStore(LocalServices.ConnectionString(_database));
        _index = new PostgresExportDayIndex(LocalServices.ConnectionString(_database));
    }

    public async Task DisposeAsync()
    {
        await _ledger.DisposeAsync();
        await _index.DisposeAsync();
    }

    private static readonly DateTimeOffset Day = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    private static LedgerEntry Entry(string id, DateTimeOffset at, long mills) =>
        new(id, id.Split(':')[0], at, "u-1", "m-1", null, "test", [.. Postings.Print("u-1", mills).Select(Posting.Of)]);

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task A_days_ledger_entries_come_in_time_and_id_order_page_by_page_each_once(string kind)
    {
        ILedgerStore store = kind == "postgres" ? _ledger : new MemoryLedgerStore();
        var noon = Day.AddHours(12);
        LedgerEntry[] entries =
        [
            Entry("print:m-1:9", Day.AddTicks(-10), 1),               // the day before
            Entry("print:m-1:1", Day, 10),                            // the day's first instant
            Entry("print:m-1:3", noon, 30),                           // three at one instant: by id (ordinal)
            Entry("print:m-1:2", noon, 20),
            Entry("print:m-1:20", noon, 200),
            Entry("print:m-1:5", Day.AddDays(1).AddTicks(-10), 50),  // the day's last microsecond
            Entry("print:m-1:6", Day.AddDays(1), 60),                 // the next day
        ];
        Assert.All(await store.PostAsync(entries, []), r => Assert.Equal(LedgerPostStatus.Posted, r.Status));

        var all = await store.EntriesBetweenAsync(Day, Day.AddDays(1), null, null, 100);
        Assert.Equal(["print:m-1:1", "print:m-1:2", "print:m-1:20", "print:m-1:3", "print:m-1:5"], all.Select(e => e.Id));
        Assert.All(all, e => Assert.Equal(2, e.Postings.Count));
        Assert.Equal(10 + 20 + 200 + 30 + 50, all.Sum(e => e.Postings.Sum(p => p.DebitMills)));

        // Pages of two, each after the previous page's last entry: the same entries, none twice.
        var paged = new List<string>();
        DateTimeOffset? afterAt = null;
        string? afterId = null;
        while (true)
        {
            var page = await store.EntriesBetweenAsync(Day, Day.AddDays(1), afterAt, afterId, 2);
            paged.AddRange(page.Select(e => e.Id));
            if (page.Count < 2) break;
            (afterAt, afterId) = (page[^1].At, page[^1].Id);
        }
        Assert.Equal(all.Select(e => e.Id), paged);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task The_day_index_lists_each_marked_id_once_per_kind_and_day_in_id_order(string kind)
    {
        IExportDayIndex index = kind == "postgres" ? _index : new MemoryExportDayIndex();
        await index.MarkAsync(ExportIndexKind.Purchase, "pur_b", Day.AddHours(1));
        await index.MarkAsync(ExportIndexKind.Purchase, "pur_b", Day.AddHours(5));   // written again the same day
        await index.MarkAsync(ExportIndexKind.Purchase, "pur_a", Day.AddHours(23));
        await index.MarkAsync(ExportIndexKind.Purchase, "pur_a", Day.AddDays(1));    // and the next day (settled)
        await index.MarkAsync(ExportIndexKind.Purchase, "pur_c", Day.AddTicks(-1));  // the day before
        await index.MarkAsync(ExportIndexKind.Invoice, "inv-202611-u-1", Day.AddHours(2));

        Assert.Equal(["pur_a", "pur_b"], await index.ListAsync(ExportIndexKind.Purchase, DateOnly.FromDateTime(Day.UtcDateTime), null, 10));
        Assert.Equal(["pur_a"], await index.ListAsync(ExportIndexKind.Purchase, DateOnly.FromDateTime(Day.UtcDateTime), null, 1));
        Assert.Equal(["pur_b"], await index.ListAsync(ExportIndexKind.Purchase, DateOnly.FromDateTime(Day.UtcDateTime), "pur_a", 10));
        Assert.Equal(["pur_a"], await index.ListAsync(ExportIndexKind.Purchase, DateOnly.FromDateTime(Day.UtcDateTime.AddDays(1)), null, 10));
        Assert.Equal(["inv-202611-u-1"], await index.ListAsync(ExportIndexKind.Invoice, DateOnly.FromDateTime(Day.UtcDateTime), null, 10));
    }
}
