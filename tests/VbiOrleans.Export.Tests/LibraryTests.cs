using System.Runtime.CompilerServices;
using VbiOrleans.Abstractions.Export;
using VbiOrleans.Export.Sinks;
using VbiOrleans.Export.Sources;
using VbiOrleans.Export.Tables;
using VbiOrleans.Grains.Log;
using static VbiOrleans.Export.Tests.DayFiles;

namespace VbiOrleans.Export.Tests;

/// <summary>The export library without a server: schemas as declared, empty days, bounds, and the memory log store's reads by day.</summary>
public sealed class LibraryTests
{
    private static readonly DateOnly Day = new(2026, 3, 14);

    private sealed class FixedSource(IReadOnlyList<TransactionFact> transactions, IReadOnlyList<MeterRegistersFact> registers,
        IReadOnlyList<PurchaseFact>? purchases = null, IReadOnlyList<LedgerPostingFact>? postings = null) : IExportLogSource, IExportCommerceSource
    {
        public async IAsyncEnumerable<PurchaseFact> PurchasesAsync(DateOnly day, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var p in purchases ?? []) yield return p;
            await Task.CompletedTask;
        }

        public async IAsyncEnumerable<LedgerPostingFact> LedgerPostingsAsync(DateOnly day, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var p in postings ?? []) yield return p;
            await Task.CompletedTask;
        }

        public async IAsyncEnumerable<InvoiceFact> InvoicesAsync(DateOnly day, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.CompletedTask;
            yield break;
        }

        public async IAsyncEnumerable<TransactionFact> TransactionsAsync(DateOnly day, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var t in transactions) yield return t;
            await Task.CompletedTask;
        }

        public async IAsyncEnumerable<MeterRegistersFact> MeterRegistersAsync(DateOnly day, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var r in registers) yield return r;
            await Task.CompletedTask;
        }
    }

    private static TransactionFact Print(string meter, long sequence, long mills) =>
        new(meter, sequence, "Print", mills, new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero), "34593104", 100, 900, sequence, "FIRST-CLASS", "94103",
            "postage", $"ind-{sequence}", null, null, null, "cp_00", "customer");

    [Fact]
    public async Task An_empty_day_has_every_table_with_its_declared_columns_and_a_manifest()
    {
        var folder = NewFolder();
        var tables = ExportTables.All(new FixedSource([], []));
        var result = await new DayExport(tables, new FolderExportSink(folder), 10).RunAsync(Day);

        Assert.True(result.IsSuccess, result.Message);
        foreach (var table in tables)
        {
            Assert.Equal(0L, (long)Query($"SELECT count(*) FROM {FileOf(folder, Day, table.Name)}")[0][0]!);
            var columns = Query($"SELECT column_name FROM (DESCRIBE SELECT * FROM {FileOf(folder, Day, table.Name)})").Select(r => (string)r[0]!);
            Assert.Equal(table.Columns.Select(c => c.Name), columns);
            Assert.All(result.Manifest!.Tables.Single(t => t.Name == table.Name).MoneySums, s => Assert.Equal(0, s.Mills));
        }
    }

    [Fact]
    public async Task Rows_are_written_in_the_tables_order_whatever_order_the_source_gives()
    {
        var a = NewFolder();
        var b = NewFolder();
        TransactionFact[] facts = [Print("m-2", 1, 500), Print("m-1", 2, 700), Print("m-1", 1, 600), Print("m-10", 1, 50)];
        Assert.True((await new DayExport(ExportTables.FromLog(new FixedSource(facts, [])), new FolderExportSink(a), 10).RunAsync(Day)).IsSuccess);
        Assert.True((await new DayExport(ExportTables.FromLog(new FixedSource([.. facts.Reverse()], [])), new FolderExportSink(b), 10).RunAsync(Day)).IsSuccess);

        Assert.Equal(Read(a, Day), Read(b, Day));
        Assert.Equal(["m-1/1", "m-1/2", "m-10/1", "m-2/1"],
            Query($"SELECT meter_id || '/' || sequence FROM {FileOf(a, Day, "transactions")}").Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task Commerce_rows_keep_nulls_times_and_money_and_postings_are_ordered_by_time_entry_and_line()
    {
        var folder = NewFolder();
        var at = new DateTimeOffset(2026, 3, 14, 9, 30, 0, 123, TimeSpan.Zero);
        PurchaseFact[] purchases =
        [
            new("pur_b", "cp_1", "m-1", 25_000, "BankAccount", "Settled", at, 7, at.AddMinutes(1)),
            new("pur_a", "cp_2", "m-2", 40_000, "Card", "Authorized", at, null, null),
        ];
        LedgerPostingFact[] postings =
        [
            new("le_2", 2, "pvd", at, "postage-funds-held", "cp_1", 0, 25_000, "cp_1", "m-1", "pur_b"),
            new("le_2", 1, "pvd", at, "ach-clearing", null, 25_000, 0, "cp_1", "m-1", "pur_b"),
            new("le_1", 1, "fee", at.AddHours(-1), "fees-receivable", "cp_2", 250, 0, "cp_2", "m-2", null),
            new("le_1", 2, "fee", at.AddHours(-1), "fee-revenue", null, 0, 250, "cp_2", "m-2", null),
        ];
        var result = await new DayExport(ExportTables.All(new FixedSource([], [], purchases, postings)), new FolderExportSink(folder), 10).RunAsync(Day);

        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal(["pur_a/Card//", "pur_b/BankAccount/7/2026-03-14 09:31:00.123"],
            Query($"SELECT purchase_id || '/' || payment_method_kind || '/' || coalesce(pvd_sequence::VARCHAR, '') || '/' || coalesce(strftime(settled_at::TIMESTAMP, '%Y-%m-%d %H:%M:%S.%g'), '') FROM {FileOf(folder, Day, "purchases")}")
                .Select(r => (string)r[0]!));
        Assert.Equal(["le_1/1", "le_1/2", "le_2/1", "le_2/2"],
            Query($"SELECT entry_pseudonym || '/' || line FROM {FileOf(folder, Day, "ledger_postings")}").Select(r => (string)r[0]!));
        var sums = result.Manifest!.Tables.Single(t => t.Name == "ledger_postings").MoneySums;
        Assert.Equal([("debit_mills", 25_250L), ("credit_mills", 25_250L)], sums.Select(m => (m.Column, m.Mills)));
        Assert.Equal(65_000, result.Manifest.Tables.Single(t => t.Name == "purchases").MoneySums.Single().Mills);
    }

    [Fact]
    public async Task A_table_over_its_bound_fails_by_name_and_leaves_the_day_as_it_was()
    {
        var folder = NewFolder();
        var result = await new DayExport(ExportTables.FromLog(new FixedSource([Print("m-1", 1, 5), Print("m-1", 2, 5)], [])), new FolderExportSink(folder), 1)
            .RunAsync(Day);

        Assert.Equal(ExportFailure.TooManyRows, result.Failure);
        Assert.False(Directory.Exists(DayFolder(folder, Day)));
    }

    /// <summary>The server's answers to <c>GET /v1/operator/feed</c>, one per request (the last one repeated).</summary>
    private sealed class FeedAnswers(params (string Consumer, long Position, long Head)[][] answers) : HttpMessageHandler
    {
        private int _next;
        public int Requests => _next;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("/v1/operator/feed", request.RequestUri!.AbsolutePath);
            var answer = answers[Math.Min(_next++, answers.Length - 1)];
            var json = "[" + string.Join(",", answer.Select(a => $$"""{"consumer":"{{a.Consumer}}","position":{{a.Position}},"head":{{a.Head}},"lag":{{a.Head - a.Position}},"failures":0}""")) + "]";
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });
        }
    }

    [Fact]
    public async Task The_export_waits_for_the_ledger_fees_and_purchases_consumers_to_reach_the_head_it_saw_first()
    {
        var answers = new FeedAnswers(
            [("history", 40, 40), ("ledger", 31, 40), ("fees", 40, 40), ("purchases", 39, 40)],
            // The head moved on (50): the run still needs only what was committed before it began (40).
            [("history", 50, 50), ("ledger", 45, 50), ("fees", 50, 50), ("purchases", 40, 50)]);
        using var http = new HttpClient(answers) { BaseAddress = new Uri("http://127.0.0.1:1") };
        var source = new OperatorApiLogSource(http, 100, TimeSpan.FromSeconds(10));

        await source.WaitUntilSettledAsync(CancellationToken.None);

        Assert.Equal(2, answers.Requests);
    }

    [Fact]
    public async Task A_consumer_behind_past_the_bound_fails_the_run_by_name_and_nothing_is_written()
    {
        var folder = NewFolder();
        var answers = new FeedAnswers([("ledger", 40, 40), ("fees", 12, 40), ("purchases", 40, 40)]);
        using var http = new HttpClient(answers) { BaseAddress = new Uri("http://127.0.0.1:1") };
        var source = new OperatorApiLogSource(http, 100, TimeSpan.FromMilliseconds(600));

        var result = await new DayExport(ExportTables.FromLog(new FixedSource([Print("m-1", 1, 5)], [])), new FolderExportSink(folder), 10, source).RunAsync(Day);

        Assert.Equal(ExportFailure.DayNotSettled, result.Failure);
        Assert.Contains("fees at 12", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ledger", result.Message, StringComparison.Ordinal);
        Assert.True(answers.Requests > 1, "the bound was not waited for");
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_consumer_the_server_does_not_run_is_named_as_not_running()
    {
        var answers = new FeedAnswers([("ledger", 40, 40), ("fees", 40, 40)]);
        using var http = new HttpClient(answers) { BaseAddress = new Uri("http://127.0.0.1:1") };
        var source = new OperatorApiLogSource(http, 100, TimeSpan.Zero);

        var refused = await Assert.ThrowsAsync<ExportException>(() => source.WaitUntilSettledAsync(CancellationToken.None));

        Assert.Equal(ExportFailure.DayNotSettled, refused.Failure);
        Assert.Contains("purchases (not running)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sink_that_cannot_be_written_fails_by_name()
    {
        var file = Path.Combine(NewFolder(), "not-a-folder");
        await File.WriteAllTextAsync(file, "");
        var result = await new DayExport(ExportTables.FromLog(new FixedSource([], [])), new FolderExportSink(file), 10).RunAsync(Day);
        Assert.Equal(ExportFailure.SinkUnavailable, result.Failure);
    }

    [Fact]
    public async Task The_memory_log_store_reads_a_day_by_time_and_each_meters_last_row_changing_record_before_its_end()
    {
        var store = new MemoryLogStore();
        var start = new DateTimeOffset(2026, 3, 14, 0, 0, 0, TimeSpan.Zero);
        PendingLogRow Row(string meter, long sequence, byte kind, DateTimeOffset at, long ar) => new(meter, sequence, kind, 0, ar, 0, at, "s", [], []);
        await store.AppendAsync([
            Row("m-b", 1, 7, start.AddHours(-1), 0),         // the day before
            Row("m-b", 2, 1, start, 10),                     // the first instant of the day
            Row("m-a", 1, 7, start.AddHours(3), 0),
            Row("m-b", 3, 2, start.AddDays(1).AddTicks(-1), 20), // the last instant of the day
            Row("m-b", 3, 5, start.AddDays(1).AddTicks(-1), 0),  // an event (rollback): no registers
            Row("m-b", 4, 2, start.AddDays(1), 30),          // the next day
            Row("m-c", 1, 7, start.AddDays(1), 0),           // a meter that did not exist yet
        ]);

        var day = await store.ReadBetweenAsync(start, start.AddDays(1), 0, 100);
        Assert.Equal(["m-b/2", "m-a/1", "m-b/3", "m-b/3"], day.Select(r => $"{r.Row.MeterId}/{r.Row.Sequence}"));
        var paged = await store.ReadBetweenAsync(start, start.AddDays(1), day[1].Position, 1);
        Assert.Equal(day[2], Assert.Single(paged));

        var latest = await store.LatestBeforeAsync(start.AddDays(1), null, 10, [5, 6]);
        Assert.Equal(["m-a/1/0", "m-b/3/20"], latest.Select(r => $"{r.Row.MeterId}/{r.Row.Sequence}/{r.Row.AscendingMills}"));
        Assert.Equal(["m-b"], (await store.LatestBeforeAsync(start.AddDays(1), "m-a", 10, [5, 6])).Select(r => r.Row.MeterId));
        Assert.Single(await store.LatestBeforeAsync(start.AddDays(1), null, 1, [5, 6]));
    }
}
