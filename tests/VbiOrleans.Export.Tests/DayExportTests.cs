using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NSubstitute;
using VbiOrleans.Admin;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Functions;
using VbiOrleans.Testing;
using static VbiOrleans.Export.Tests.DayFiles;

namespace VbiOrleans.Export.Tests;

/// <summary>
/// The nightly export of a day where customers funded, printed and refunded over HTTP through the SDK: the files read
/// back with DuckDB agree with the transaction log (its own table in the module database) and the manifest to the
/// mill; no file holds a secret the customers used; a day exported twice, or by the Azure Function to the dss
/// container, is byte-identical; a run killed before its manifest leaves no manifest, and a re-run completes the day.
/// </summary>
[Collection(ExportCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2+Azurite")]
public sealed class DayExportTests(ExportHostFixture host)
{
    [Fact]
    public async Task The_day_read_back_with_DuckDB_agrees_with_the_log_and_the_manifest_to_the_mill()
    {
        var folder = NewFolder();
        var (exit, _, stderr) = await AdminExportAsync(host, host.Day, folder);
        Assert.True(exit == AdminExitCodes.Ok, stderr);

        // The log itself: every record of the day, by its public columns.
        var from = host.Day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var log = await LocalServices.RowsAsync(host.Database,
            "SELECT meter_id, meter_sequence, kind, amount_mills FROM vbi_log WHERE at >= @from AND at < @to ORDER BY meter_id, meter_sequence, id",
            ("from", from), ("to", from.AddDays(1)));
        var exported = Query($"SELECT meter_id, sequence, kind, amount_mills FROM {FileOf(folder, host.Day, "transactions")} ORDER BY meter_id, sequence");
        Assert.NotEmpty(log);
        Assert.Equal(log.Select(r => $"{r[0]}/{r[1]}/{(TransactionKind)(short)r[2]!}/{r[3]}"), exported.Select(r => $"{r[0]}/{r[1]}/{r[2]}/{r[3]}"));

        // Per kind, to the mill, against what the customers did.
        long Sum(string kind) => (long)(Query($"SELECT COALESCE(sum(amount_mills), 0)::BIGINT FROM {FileOf(folder, host.Day, "transactions")} WHERE kind = '{kind}'")[0][0]!);
        Assert.Equal(host.Customers.Sum(c => c.FundedMills), Sum(nameof(TransactionKind.PostageValueDownload)));
        Assert.Equal(host.Customers.Sum(c => c.PrintedMills.Sum()), Sum(nameof(TransactionKind.Print)));
        Assert.Equal(host.Customers.Sum(c => c.RefundedMills), Sum(nameof(TransactionKind.Refund)));
        Assert.Equal(host.Customers.Sum(c => c.WithdrawnMills), Sum(nameof(TransactionKind.Withdraw)));

        // The manifest: written, and what it says of each table is what DuckDB reads and the file's digest.
        var files = Read(folder, host.Day);
        var manifest = ExportManifest.FromJson(files[ExportManifest.FileName])!;
        Assert.Equal((ExportManifest.CurrentFormatVersion, host.Day.ToString("yyyy-MM-dd")), (manifest.FormatVersion, manifest.Date));
        Assert.Equal(["invoices", "ledger_postings", "meter_registers", "purchases", "transactions"], manifest.Tables.Select(t => t.Name));
        foreach (var table in manifest.Tables)
        {
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(files[table.File])), table.Sha256);
            Assert.Equal(files[table.File].LongLength, table.Bytes);
            Assert.Equal(table.Rows, (long)Query($"SELECT count(*) FROM {FileOf(folder, host.Day, table.Name)}")[0][0]!);
            foreach (var sum in table.MoneySums)
                Assert.Equal(sum.Mills, (long)Query($"SELECT COALESCE(sum({sum.Column}), 0)::BIGINT FROM {FileOf(folder, host.Day, table.Name)}")[0][0]!);
        }
        Assert.Equal(log.Count, manifest.Tables.Single(t => t.Name == "transactions").Rows);
        Assert.Equal(host.Customers.Sum(c => c.FundedMills + c.PrintedMills.Sum() + c.RefundedMills + c.WithdrawnMills),
            manifest.Tables.Single(t => t.Name == "transactions").MoneySums.Single(s => s.Column == "amount_mills").Mills);

        // Each meter's registers at the end of the day are those of its last row-changing record in the log, and keep
        // I1 conservation: AR + DR is what was funded less what was withdrawn; a refund put its postage back in DR.
        foreach (var customer in host.Customers)
        {
            var row = Query($"SELECT ar_mills, dr_mills, piece_count, customer_pseudonym, sequence FROM {FileOf(folder, host.Day, "meter_registers")} WHERE meter_id = '{customer.MeterId}'").Single();
            var last = (await LocalServices.RowsAsync(host.Database,
                "SELECT ar_mills, dr_mills, meter_sequence FROM vbi_log WHERE meter_id = @m AND kind NOT IN (5, 6) ORDER BY id DESC LIMIT 1", ("m", customer.MeterId))).Single();
            Assert.Equal((last[0], last[1], last[2]), (row[0], row[1], row[4]));
            Assert.Equal(customer.FundedMills - customer.WithdrawnMills, (long)row[0]! + (long)row[1]!);
            Assert.Equal(customer.FundedMills - customer.PrintedMills.Sum() + customer.RefundedMills - customer.WithdrawnMills, (long)row[1]!);

            // The customer is named by a pseudonym only: the same in both tables, never the id.
            var pseudonyms = Query($"SELECT DISTINCT customer_pseudonym FROM {FileOf(folder, host.Day, "transactions")} WHERE meter_id = '{customer.MeterId}'");
            Assert.Equal(row[3], Assert.Single(pseudonyms)[0]);
            Assert.StartsWith("cp_", (string)row[3]!);
            Assert.DoesNotContain(customer.CustomerId, (string)row[3]!);
        }
        Assert.NotEqual(Query($"SELECT customer_pseudonym FROM {FileOf(folder, host.Day, "meter_registers")} WHERE meter_id = '{host.Customers[0].MeterId}'")[0][0],
            Query($"SELECT customer_pseudonym FROM {FileOf(folder, host.Day, "meter_registers")} WHERE meter_id = '{host.Customers[1].MeterId}'")[0][0]);

        // What an analyst gets of a print: ZIP5 only, the tracking number, who asked (as a kind), and no payment reference.
        var prints = Query($"SELECT destination_zip5, mail_class, tracking_number, initiated_by, indicium_id FROM {FileOf(folder, host.Day, "transactions")} WHERE kind = 'Print'");
        Assert.All(prints, p => Assert.Matches("^[0-9]{5}$", (string)p[0]!));
        Assert.Contains(prints, p => (string)p[0]! == "94103");
        Assert.Contains(prints, p => p[2] is string t && t == host.Customers[0].TrackingNumber);
        Assert.All(prints, p => Assert.Equal("customer", p[3]));
        // A PVD names its purchase only when it is one; the free-form references (a card number, an account number) do not leave.
        Assert.Equal(host.Customers.Select(c => c.Purchase.Id).Order(StringComparer.Ordinal),
            Query($"SELECT purchase_id FROM {FileOf(folder, host.Day, "transactions")} WHERE purchase_id IS NOT NULL ORDER BY purchase_id").Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task The_commerce_tables_agree_with_the_ledger_the_purchases_and_the_invoice_to_the_mill()
    {
        var folder = NewFolder();
        var (exit, _, stderr) = await AdminExportAsync(host, host.Day, folder);
        Assert.True(exit == AdminExitCodes.Ok, stderr);
        string F(string table) => FileOf(folder, host.Day, table);
        // DuckDB sums BIGINTs as HUGEINT (a BigInteger here).
        long Long(string sql) => Query(sql)[0][0] switch
        {
            null => 0,
            System.Numerics.BigInteger huge => (long)huge,
            var value => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        };

        // ledger_postings: every posting of every entry dated in the day, as the ledger's own tables hold them.
        var from = host.Day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var ledger = (await LocalServices.RowsAsync(host.Database,
            "SELECT count(*), sum(p.debit_mills)::bigint, sum(p.credit_mills)::bigint, count(DISTINCT e.id) FROM vbi_ledger_posting p " +
            "JOIN vbi_ledger_entry e ON e.id = p.entry_id WHERE e.at >= @from AND e.at < @to", ("from", from), ("to", from.AddDays(1)))).Single();
        var exported = Query($"SELECT count(*), sum(debit_mills)::BIGINT, sum(credit_mills)::BIGINT, count(DISTINCT entry_pseudonym) FROM {F("ledger_postings")}").Single();
        Assert.Equal(ledger.Select(Convert.ToInt64), exported.Select(Convert.ToInt64));
        // The trial balance of the day: debits equal credits, in total and in every entry (I7).
        Assert.Equal(Long($"SELECT sum(debit_mills) FROM {F("ledger_postings")}"), Long($"SELECT sum(credit_mills) FROM {F("ledger_postings")}"));
        Assert.Empty(Query($"SELECT entry_pseudonym FROM {F("ledger_postings")} GROUP BY entry_pseudonym HAVING sum(debit_mills) <> sum(credit_mills)"));
        // Per account (the customer's part is a pseudonym), as the ledger's trial balance has them for the day.
        var byAccount = await LocalServices.RowsAsync(host.Database,
            "SELECT split_part(p.account, ':', 1) AS a, sum(p.debit_mills)::bigint, sum(p.credit_mills)::bigint FROM vbi_ledger_posting p " +
            "JOIN vbi_ledger_entry e ON e.id = p.entry_id WHERE e.at >= @from AND e.at < @to GROUP BY a ORDER BY split_part(p.account, ':', 1) COLLATE \"C\"", ("from", from), ("to", from.AddDays(1)));
        Assert.Equal(byAccount.Select(r => $"{r[0]}/{r[1]}/{r[2]}"),
            Query($"SELECT account, sum(debit_mills)::BIGINT, sum(credit_mills)::BIGINT FROM {F("ledger_postings")} GROUP BY account ORDER BY account")
                .Select(r => $"{r[0]}/{r[1]}/{r[2]}"));
        Assert.Empty(Query($"SELECT 1 FROM {F("ledger_postings")} WHERE account LIKE '%:%'"));

        // purchases: the two purchases, settled, each the purchase of one PVD of the transactions table and of one
        // pvd entry of the ledger, debiting the clearing account of its payment method by its amount.
        var purchases = Query($"SELECT purchase_id, payment_method_kind, status, amount_mills, meter_id, pvd_sequence, customer_pseudonym FROM {F("purchases")} ORDER BY purchase_id");
        Assert.Equal(host.Customers.Select(c => c.Purchase.Id).Order(StringComparer.Ordinal), purchases.Select(r => (string)r[0]!));
        foreach (var customer in host.Customers)
        {
            var row = purchases.Single(r => (string)r[0]! == customer.Purchase.Id);
            var card = customer.Purchase.MethodKind == "card";
            Assert.Equal((card ? "Card" : "BankAccount", "Settled", customer.Purchase.AmountMills, customer.MeterId, customer.Purchase.PvdSequence),
                ((string)row[1]!, (string)row[2]!, (long)row[3]!, (string)row[4]!, (long?)row[5]));
            Assert.Equal(customer.Purchase.AmountMills, Long(
                $"SELECT amount_mills FROM {F("transactions")} WHERE kind = 'PostageValueDownload' AND purchase_id = '{customer.Purchase.Id}' AND meter_id = '{customer.MeterId}' AND sequence = {customer.Purchase.PvdSequence}"));
            Assert.Equal(customer.Purchase.AmountMills, Long(
                $"SELECT sum(debit_mills) FROM {F("ledger_postings")} WHERE kind = 'pvd' AND purchase_id = '{customer.Purchase.Id}' AND account = '{(card ? "card-clearing" : "ach-clearing")}'"));
            Assert.Equal(row[6], Query($"SELECT customer_pseudonym FROM {F("meter_registers")} WHERE meter_id = '{customer.MeterId}'").Single()[0]);
        }
        Assert.Equal(host.Customers.Sum(c => c.Purchase.AmountMills), Long($"SELECT sum(amount_mills) FROM {F("purchases")} WHERE status = 'Settled'"));
        // Every PVD of the day (a purchase's or a free-form reference's) is one pvd entry moving its amount to postage funds held.
        Assert.Equal(Long($"SELECT sum(amount_mills) FROM {F("transactions")} WHERE kind = 'PostageValueDownload'"),
            Long($"SELECT sum(credit_mills) FROM {F("ledger_postings")} WHERE kind = 'pvd' AND account = 'postage-funds-held'"));
        Assert.Equal(host.Customers.Sum(c => c.WithdrawnMills), Long($"SELECT sum(credit_mills) FROM {F("ledger_postings")} WHERE kind = 'withdrawal' AND account = 'refunds-payable'"));

        // Fees: Starter charges every label of the card customer; its refunded label's fee came back as a credit.
        var cardCustomer = host.Customers[0];
        Assert.Equal(cardCustomer.PrintedMills.Count * ExportHostFixture.LabelFeeMills,
            Long($"SELECT sum(debit_mills) FROM {F("ledger_postings")} WHERE kind = 'fee' AND account = 'fees-receivable'"));
        Assert.Equal(ExportHostFixture.LabelFeeMills, Long($"SELECT sum(credit_mills) FROM {F("ledger_postings")} WHERE kind = 'fee-refund' AND account = 'customer-credit'"));

        // invoices: last month's, issued and paid today; its collection and its credit are postings of the day.
        var invoice = Query($"SELECT customer_pseudonym, month, status, subtotal_mills, credit_applied_mills, total_mills, line_count, paid_at FROM {F("invoices")}").Single();
        Assert.Equal((host.Invoice.Month, "Paid", ExportHostFixture.LastMonthsPlanFeeMills, host.Invoice.CreditAppliedMills, host.Invoice.TotalMills, (long)host.Invoice.Lines.Count),
            ((string)invoice[1]!, (string)invoice[2]!, (long)invoice[3]!, (long)invoice[4]!, (long)invoice[5]!, (long)invoice[6]!));
        Assert.Equal(ExportHostFixture.LabelFeeMills, host.Invoice.CreditAppliedMills);
        Assert.NotNull(invoice[7]);
        Assert.Equal(Query($"SELECT customer_pseudonym FROM {F("meter_registers")} WHERE meter_id = '{cardCustomer.MeterId}'").Single()[0], invoice[0]);
        Assert.Equal(host.Invoice.TotalMills, Long($"SELECT sum(debit_mills) FROM {F("ledger_postings")} WHERE kind = 'invoice-paid' AND account = 'card-clearing'"));
        Assert.Equal(host.Invoice.CreditAppliedMills, Long($"SELECT sum(credit_mills) FROM {F("ledger_postings")} WHERE kind = 'credit-applied' AND account = 'fees-receivable'"));
        Assert.Equal(invoice[0], Query($"SELECT DISTINCT account_customer_pseudonym FROM {F("ledger_postings")} WHERE kind = 'invoice-paid' AND account = 'fees-receivable'").Single()[0]);

        // The manifest's money sums are the files' sums.
        var manifest = ExportManifest.FromJson(Read(folder, host.Day)[ExportManifest.FileName])!;
        Assert.Equal((long)exported[1]!, manifest.Tables.Single(t => t.Name == "ledger_postings").MoneySums.Single(m => m.Column == "debit_mills").Mills);
        Assert.Equal(host.Invoice.TotalMills, manifest.Tables.Single(t => t.Name == "invoices").MoneySums.Single(m => m.Column == "total_mills").Mills);
        Assert.Equal(2, manifest.Tables.Single(t => t.Name == "purchases").Rows);
    }

    [Fact]
    public async Task No_exported_file_holds_a_secret_the_test_seeded()
    {
        var folder = NewFolder();
        var (exit, _, stderr) = await AdminExportAsync(host, host.Day, folder);
        Assert.True(exit == AdminExitCodes.Ok, stderr);

        var secrets = new List<(string What, byte[] Bytes)>
        {
            ("card number", Encoding.UTF8.GetBytes(ExportHostFixture.CardNumber)),
            // The whole account number, whatever its last four digits (which a payment method may show).
            ("bank account number", Encoding.UTF8.GetBytes(ExportHostFixture.BankAccountNumber)),
            ("bank account number without its leading zeros", Encoding.UTF8.GetBytes(ExportHostFixture.BankAccountNumber.TrimStart('0'))),
            ("card token", "tok_visa"u8.ToArray()),
            ("operator key", Encoding.UTF8.GetBytes(ExportHostFixture.OperatorKey)),
            ("invoice number", Encoding.UTF8.GetBytes(host.Invoice.Number)),
        };
        foreach (var c in host.Customers)
        {
            secrets.Add(("account password", Encoding.UTF8.GetBytes(c.AccountPassword)));
            secrets.Add(("meter password", Encoding.UTF8.GetBytes(c.MeterPassword)));
            secrets.Add(("HMK bytes", c.Hmk));
            secrets.Add(("HMK base64", Encoding.UTF8.GetBytes(Convert.ToBase64String(c.Hmk))));
            secrets.Add(("HMK hex", Encoding.UTF8.GetBytes(Convert.ToHexStringLower(c.Hmk))));
            secrets.Add(("HMK HEX", Encoding.UTF8.GetBytes(Convert.ToHexString(c.Hmk))));
            secrets.Add(("customer id", Encoding.UTF8.GetBytes(c.CustomerId)));
            secrets.Add(("e-mail address", Encoding.UTF8.GetBytes(c.Email)));
            secrets.Add(("tax id", Encoding.UTF8.GetBytes(c.TaxId)));
            secrets.Add(("tax id digits", Encoding.UTF8.GetBytes(c.TaxId.Replace("-", "", StringComparison.Ordinal))));
            if (c.Purchase.ChargeId is { } charge) secrets.Add(("the payment provider's charge id", Encoding.UTF8.GetBytes(charge)));
        }

        // Every file as stored, byte for byte (the manifest included).
        var files = Read(folder, host.Day);
        Assert.Equal(6, files.Count);
        foreach (var (name, content) in files)
        foreach (var (what, bytes) in secrets)
            Assert.True(content.AsSpan().IndexOf(bytes) < 0, $"{name} holds the {what}");

        // And every value as decoded (a compressed page could hide a string from the byte search): the search finds
        // what is there (the meter ids, the purchase ids), so its silence about the secrets means something.
        var all = "";
        foreach (var table in new[] { "transactions", "meter_registers", "purchases", "ledger_postings", "invoices" })
        {
            var text = string.Join("\n", Query($"SELECT * FROM {FileOf(folder, host.Day, table)}").Select(r => string.Join("|", r.Select(v => v switch
            {
                byte[] b => Convert.ToHexString(b),
                _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            }))));
            Assert.NotEmpty(text);
            all += text;
            foreach (var (what, bytes) in secrets)
            {
                Assert.DoesNotContain(Encoding.UTF8.GetString(bytes), text, StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToHexString(bytes), text, StringComparison.OrdinalIgnoreCase);
            }
        }
        Assert.All(host.Customers, c => Assert.Contains(c.MeterId, all, StringComparison.Ordinal));
        Assert.All(host.Customers, c => Assert.Contains(c.Purchase.Id, all, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_day_exported_twice_is_byte_identical_and_the_Azure_Function_writes_the_same_bytes_to_the_dss_container()
    {
        var first = NewFolder();
        var second = NewFolder();
        Assert.Equal(AdminExitCodes.Ok, (await AdminExportAsync(host, host.Day, first)).Exit);
        Assert.Equal(AdminExitCodes.Ok, (await AdminExportAsync(host, host.Day, second)).Exit);
        var expected = Read(first, host.Day);
        Assert.Equal(expected, Read(second, host.Day));
        // Again into the same folder: the day is replaced by the same bytes.
        Assert.Equal(AdminExitCodes.Ok, (await AdminExportAsync(host, host.Day, first)).Exit);
        Assert.Equal(expected, Read(first, host.Day));

        // The Azure Function, called as its host would: a timer tick the night after the day, a FunctionContext.
        var container = new BlobContainerClient(LocalServices.ArchiveConnectionString, "dss-" + host.ClusterId);
        try
        {
            var function = new NightlyExportFunction(Options.Create(host.Options(container: container.Name)), new FixedClock(host.Day.AddDays(1)));
            var context = Substitute.For<FunctionContext>();
            context.InstanceServices.Returns(new ServiceCollection().AddLogging().BuildServiceProvider());
            context.CancellationToken.Returns(CancellationToken.None);
            var manifest = await function.RunAsync(new TimerInfo { IsPastDue = false }, context);
            Assert.Equal(host.Day.ToString("yyyy-MM-dd"), manifest.Date);

            var blobs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"date={host.Day:yyyy-MM-dd}/" }))
                blobs[blob.Name.Split('/')[1]] = (await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
            Assert.Equal(expected, blobs);
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task A_run_killed_before_its_manifest_leaves_no_manifest_and_a_rerun_completes_the_day()
    {
        var reference = NewFolder();
        Assert.Equal(AdminExitCodes.Ok, (await AdminExportAsync(host, host.Day, reference)).Exit);
        var folder = NewFolder();
        var armed = Path.Combine(folder, "kill.armed");
        await File.WriteAllTextAsync(armed, "");

        var (exit, stderr) = await AdminExportProcessAsync(host, host.Day, folder, new Dictionary<string, string>
        {
            [ExportFaultPoints.StepVariable] = ExportFaultPoints.BeforeManifest,
            [ExportFaultPoints.ArmedFileVariable] = armed,
        });

        Assert.True(exit == 137, $"vbi-admin export was to kill itself before the manifest; it exited {exit}: {stderr}");
        Assert.Contains(ExportFaultPoints.BeforeManifest, stderr, StringComparison.Ordinal);
        var left = Read(folder, host.Day);
        Assert.DoesNotContain(ExportManifest.FileName, left.Keys);
        Assert.Contains("transactions.parquet", left.Keys);

        // A stray file from some earlier crash too: the re-run removes everything it does not write.
        await File.WriteAllTextAsync(Path.Combine(DayFolder(folder, host.Day), "transactions.parquet" + Sinks.FolderExportSink.PartialSuffix), "half");
        var (rerun, _, rerunError) = await AdminExportAsync(host, host.Day, folder);
        Assert.True(rerun == AdminExitCodes.Ok, rerunError);
        Assert.Equal(Read(reference, host.Day), Read(folder, host.Day));
    }

    [Fact]
    public async Task After_a_SIGKILL_of_the_host_and_a_restart_the_day_exports_the_same_bytes_from_durable_data()
    {
        var before = NewFolder();
        Assert.Equal(AdminExitCodes.Ok, (await AdminExportAsync(host, host.Day, before)).Exit);
        // The purchases and the invoice are listed from the by-day index in PostgreSQL, marked before their state was written.
        var marks = await LocalServices.RowsAsync(host.Database,
            "SELECT kind, count(*) FROM vbi_export_day_index WHERE day = @day GROUP BY kind ORDER BY kind", ("day", host.Day));
        Assert.Equal(["1/2", "2/1"], marks.Select(r => $"{r[0]}/{r[1]}")); // two purchases, one invoice

        await host.RestartHardAsync();

        var after = NewFolder();
        var (exit, _, stderr) = await AdminExportAsync(host, host.Day, after);
        Assert.True(exit == AdminExitCodes.Ok, stderr);
        Assert.Equal(Read(before, host.Day), Read(after, host.Day));
        Assert.Equal(2, ExportManifest.FromJson(Read(after, host.Day)[ExportManifest.FileName])!.Tables.Single(t => t.Name == "purchases").Rows);
    }

    [Fact]
    public async Task The_commerce_reads_refuse_a_malformed_date_cursor_or_limit_by_name_and_answer_only_operators()
    {
        using var http = new HttpClient { BaseAddress = host.Host.BaseAddress };
        var day = host.Day.ToString("yyyy-MM-dd");
        using (var anonymous = await http.GetAsync($"/v1/operator/export/{day}/purchases"))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);

        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ExportHostFixture.OperatorName}:{ExportHostFixture.OperatorKey}")));
        foreach (var url in new[]
                 {
                     $"/v1/operator/export/{day}/ledger-postings?after=not-a-cursor", $"/v1/operator/export/{day}/ledger-postings?after=12",
                     "/v1/operator/export/2026-13-01/purchases", $"/v1/operator/export/{day}/invoices?limit=0", $"/v1/operator/export/{day}/purchases?limit=5001",
                 })
        {
            using var response = await http.GetAsync(url);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, url);
            Assert.Contains("\"ValidationFailed\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // A page of one purchase names the next one; the last page names none.
        using var first = await http.GetAsync($"/v1/operator/export/{day}/purchases?limit=1");
        var page = System.Text.Json.JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        var next = page.GetProperty("next").GetString();
        using var second = await http.GetAsync($"/v1/operator/export/{day}/purchases?limit=5&after={next}");
        var last = System.Text.Json.JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, last.GetProperty("items").GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, last.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task An_export_with_a_wrong_operator_key_is_refused_and_leaves_no_manifest()
    {
        var folder = NewFolder();
        var (exit, _, stderr) = await AdminExportAsync(host, host.Day, folder, key: "not-the-key");
        Assert.Equal(AdminExitCodes.Refused, exit);
        Assert.Contains(nameof(ExportFailure.SourceRefused), stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DayFolder(folder, host.Day)));
    }

    private sealed class FixedClock(DateOnly day) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(day.ToDateTime(new TimeOnly(0, 30)), TimeSpan.Zero);
    }
}
