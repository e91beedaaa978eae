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

        // The manifest: written, and what it says of each table is what DuckDB reads and the file's digest.
        var files = Read(folder, host.Day);
        var manifest = ExportManifest.FromJson(files[ExportManifest.FileName])!;
        Assert.Equal((ExportManifest.CurrentFormatVersion, host.Day.ToString("yyyy-MM-dd")), (manifest.FormatVersion, manifest.Date));
        Assert.Equal(["meter_registers", "transactions"], manifest.Tables.Select(t => t.Name));
        foreach (var table in manifest.Tables)
        {
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(files[table.File])), table.Sha256);
            Assert.Equal(files[table.File].LongLength, table.Bytes);
            Assert.Equal(table.Rows, (long)Query($"SELECT count(*) FROM {FileOf(folder, host.Day, table.Name)}")[0][0]!);
            foreach (var sum in table.MoneySums)
                Assert.Equal(sum.Mills, (long)Query($"SELECT COALESCE(sum({sum.Column}), 0)::BIGINT FROM {FileOf(folder, host.Day, table.Name)}")[0][0]!);
        }
        Assert.Equal(log.Count, manifest.Tables.Single(t => t.Name == "transactions").Rows);
        Assert.Equal(host.Customers.Sum(c => c.FundedMills) + host.Customers.Sum(c => c.PrintedMills.Sum()) + host.Customers.Sum(c => c.RefundedMills),
            manifest.Tables.Single(t => t.Name == "transactions").MoneySums.Single(s => s.Column == "amount_mills").Mills);

        // Each meter's registers at the end of the day are those of its last row-changing record in the log, and keep
        // I1 conservation: nothing was withdrawn, so AR + DR is what was funded; a refund put its postage back in DR.
        foreach (var customer in host.Customers)
        {
            var row = Query($"SELECT ar_mills, dr_mills, piece_count, customer_pseudonym, sequence FROM {FileOf(folder, host.Day, "meter_registers")} WHERE meter_id = '{customer.MeterId}'").Single();
            var last = (await LocalServices.RowsAsync(host.Database,
                "SELECT ar_mills, dr_mills, meter_sequence FROM vbi_log WHERE meter_id = @m AND kind NOT IN (5, 6) ORDER BY id DESC LIMIT 1", ("m", customer.MeterId))).Single();
            Assert.Equal((last[0], last[1], last[2]), (row[0], row[1], row[4]));
            Assert.Equal(customer.FundedMills, (long)row[0]! + (long)row[1]!);
            Assert.Equal(customer.FundedMills - customer.PrintedMills.Sum() + customer.RefundedMills, (long)row[1]!);

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
        Assert.Empty(Query($"SELECT 1 FROM {FileOf(folder, host.Day, "transactions")} WHERE purchase_id IS NOT NULL"));
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
            ("bank account number", Encoding.UTF8.GetBytes(ExportHostFixture.BankAccountNumber)),
            ("operator key", Encoding.UTF8.GetBytes(ExportHostFixture.OperatorKey)),
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
        }

        // Every file as stored, byte for byte (the manifest included).
        var files = Read(folder, host.Day);
        Assert.Equal(3, files.Count);
        foreach (var (name, content) in files)
        foreach (var (what, bytes) in secrets)
            Assert.True(content.AsSpan().IndexOf(bytes) < 0, $"{name} holds the {what}");

        // And every value as decoded (a compressed page could hide a string from the byte search): the search finds
        // what is there (the meter ids), so its silence about the secrets means something.
        foreach (var table in new[] { "transactions", "meter_registers" })
        {
            var text = string.Join("\n", Query($"SELECT * FROM {FileOf(folder, host.Day, table)}").Select(r => string.Join("|", r.Select(v => v switch
            {
                byte[] b => Convert.ToHexString(b),
                _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            }))));
            Assert.All(host.Customers, c => Assert.Contains(c.MeterId, text, StringComparison.Ordinal));
            foreach (var (what, bytes) in secrets)
            {
                Assert.DoesNotContain(Encoding.UTF8.GetString(bytes), text, StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToHexString(bytes), text, StringComparison.OrdinalIgnoreCase);
            }
        }
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
