using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Durability;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Provider;

/// <summary>
/// The remittance and the daily reconciliation (docs/provider-files.md) end to end: customers over HTTP through the
/// SDK, a Cluster host on PostgreSQL, SoftHSM2 and Azurite, the postal authority as the local OpenSSH SFTP server, the
/// remittance file verified with openssl and read by an independent NACHA parser (@midlandsbank/node-nacha).
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2+SFTP")]
public sealed class RemittanceReconciliationTests(ITestOutputHelper output)
{
    private const string LockboxRouting = "021000021";
    private const string LockboxAccount = "LOCKBOX-778899";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_day_of_mixed_transactions_remits_the_ledgers_net_postage_once_by_a_signed_CCD_credit_and_the_reconciliation_names_a_planted_mill()
    {
        var world = await ProviderWorld.CreateAsync("vbi_provider_remit");
        var day = ProviderWorld.Today;
        var env = world.Environment(approveAtOnce: true);
        env["Vbi__Provider__Remittance__Routing"] = LockboxRouting;
        env["Vbi__Provider__Remittance__AccountNumber"] = LockboxAccount;
        env["Vbi__Provider__Remittance__ReceiverName"] = "POSTAL LOCKBOX";
        await using var host = await HostEnvironment.StartAsync(FreePorts.Next(), env);
        try
        {
            await RemitAndReconcileAsync(world, day, host);
        }
        catch
        {
            output.WriteLine(host.Transcript());
            throw;
        }
    }

    private async Task RemitAndReconcileAsync(ProviderWorld world, DateOnly day, HostProcess host)
    {
        var uri = host.BaseAddress;
        var dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // Yesterday had nothing: the reminders' first wake sends its remittance file with no entry, and posts nothing.
        var yesterday = await ProviderWorld.WaitVerifiedAsync(uri, ProviderServices.Remittance, day.AddDays(-1), Patience);
        Assert.Equal(0, yesterday.GetProperty("remittedMills").GetInt64());
        Assert.Equal(JsonValueKind.Null, yesterday.GetProperty("ledgerEntryId").ValueKind);
        var empty = await NodeNacha.ParseAsync(await File.ReadAllBytesAsync(Path.Combine(world.InboundPath, yesterday.GetProperty("fileName").GetString()!)));
        Assert.Equal((0, 0, 0L), (empty.GetProperty("file").GetProperty("footer").GetProperty("batchCount").GetInt32(),
            empty.GetProperty("file").GetProperty("footer").GetProperty("entryAndAddendaCount").GetInt32(),
            empty.GetProperty("file").GetProperty("footer").GetProperty("totalCredit").GetInt64()));

        // A day of mixed transactions over three meters: PVDs, prints, a refund of an unused indicium, a withdrawal.
        var alice = await ProviderWorld.NewCustomerAsync(uri);
        var bob = await ProviderWorld.NewCustomerAsync(uri);
        var carol = await ProviderWorld.NewCustomerAsync(uri);
        await alice.Session.FundAsync(100_000, ProviderWorld.PaymentReference());
        var unused = await alice.Session.PrintAsync(new PrintOrder(400, "94103", "FIRST-CLASS"));
        await alice.Session.PrintAsync(new PrintOrder(1_230, "60601", "FIRST-CLASS"));
        await alice.Session.RefundAsync(unused.IndiciumId!);
        await bob.Session.FundAsync(50_000, ProviderWorld.PaymentReference());
        await bob.Session.PrintAsync(new PrintOrder(730, "02134", "FIRST-CLASS"));
        await bob.Session.WithdrawAsync();
        await carol.Session.FundAsync(25_000, ProviderWorld.PaymentReference());
        await carol.Session.FundAsync(5_000, ProviderWorld.PaymentReference());
        await carol.Session.PrintAsync(new PrintOrder(550, "10001", "FIRST-CLASS"));
        // PVDs 180,000 less bob's withdrawn balance 49,270: the day's net postage.
        const long net = 180_000 - (50_000 - 730);

        var files = await ProviderWorld.RunAsync(uri, day);
        Assert.Equal(["licensing", "resetting", "remittance"], files.Select(f => f.GetProperty("service").GetString()!));
        Assert.All(files, f => Assert.Equal("verified", f.GetProperty("state").GetString()));
        var remittance = files.Single(f => f.GetProperty("service").GetString() == ProviderServices.Remittance);
        Assert.True(remittance.GetProperty("lastError").ValueKind == JsonValueKind.Null, remittance.ToString());
        Assert.Equal(net, remittance.GetProperty("remittedMills").GetInt64());
        Assert.Equal(0, remittance.GetProperty("carriedMills").GetInt64());
        Assert.Equal($"remittance:{dayText}", remittance.GetProperty("ledgerEntryId").GetString());

        // The file at the postal authority is the one the view describes, and its signature verifies with openssl.
        var name = remittance.GetProperty("fileName").GetString()!;
        Assert.Equal($"remittance-{ProviderWorld.ProviderId}-{day:yyyyMMdd}.ach", name);
        var path = Path.Combine(world.InboundPath, name);
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal(remittance.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        var (providerPem, caPem) = await ProviderWorld.CertificatesAsync(uri);
        await ProviderWorld.AssertOpensslVerifiesAsync(path, path + ".sig", providerPem, caPem);

        // Another parser reads one CCD credit to the lockbox, of the ledger's movement of remittance payable, to the cent.
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var ledgerNet = await LocalServices.ScalarAsync<long>(world.Database,
            "SELECT coalesce(sum(p.credit_mills - p.debit_mills), 0)::bigint FROM vbi_ledger_posting p JOIN vbi_ledger_entry e ON e.id = p.entry_id " +
            "WHERE p.account = 'remittance-payable' AND e.kind <> 'remittance' AND e.at >= @from AND e.at < @to", ("from", from), ("to", from.AddDays(1)));
        Assert.Equal(net, ledgerNet);
        var parsed = await NodeNacha.ParseAsync(bytes);
        var footer = parsed.GetProperty("file").GetProperty("footer");
        Assert.Equal((1, 1, 0L, ledgerNet / 10), (footer.GetProperty("batchCount").GetInt32(), footer.GetProperty("entryAndAddendaCount").GetInt32(),
            footer.GetProperty("totalDebit").GetInt64(), footer.GetProperty("totalCredit").GetInt64()));
        var batch = parsed.GetProperty("batches")[0];
        Assert.Equal((220, "CCD"), (batch.GetProperty("serviceClassCode").GetInt32(), batch.GetProperty("entryClassCode").GetString()));
        var entry = Assert.Single(batch.GetProperty("entries").EnumerateArray());
        Assert.Equal(("22", LockboxRouting, LockboxAccount, ledgerNet / 10), (entry.GetProperty("transactionCode").GetString(),
            entry.GetProperty("routing").GetString(), entry.GetProperty("account").GetString()!.Trim(), entry.GetProperty("amount").GetInt64()));
        // The trace number comes from the day: the ODFI's prefix and 9,000,000 + days since 2000-01-01.
        Assert.Equal("09100001" + (9_000_000 + day.DayNumber - new DateOnly(2000, 1, 1).DayNumber).ToString("D7", CultureInfo.InvariantCulture),
            entry.GetProperty("traceNumber").GetString());
        // The lockbox account number is in the file and nowhere in the host's output.
        Assert.DoesNotContain(host.Output.Concat(host.Errors), line => line.Contains(LockboxAccount, StringComparison.Ordinal));

        // Posted once: DR remittance payable, CR cash, the file's amount.
        async Task<List<object?[]>> RemittancePostingsAsync() => await LocalServices.RowsAsync(world.Database,
            "SELECT p.account, p.debit_mills, p.credit_mills FROM vbi_ledger_posting p JOIN vbi_ledger_entry e ON e.id = p.entry_id " +
            "WHERE e.kind = 'remittance' AND e.at >= @from ORDER BY p.line", ("from", from));
        var posted = await RemittancePostingsAsync();
        Assert.Equal([("remittance-payable", net, 0L), ("cash", 0L, net)], posted.Select(r => ((string)r[0]!, (long)r[1]!, (long)r[2]!)));

        // The day again: the same bytes, nothing else sent, no second posting.
        var again = (await ProviderWorld.RunAsync(uri, day, ProviderServices.Remittance)).Single();
        Assert.Equal(remittance.GetProperty("sha256").GetString(), again.GetProperty("sha256").GetString());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Single(Directory.GetFiles(world.InboundPath, "remittance-*.ach"), f => f.Contains(day.ToString("yyyyMMdd", CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.Equal(posted.Count, (await RemittancePostingsAsync()).Count);

        // The reconciliation: log = resetting file = ledger, remitted = remittance payable, registers at the close: 0 difference.
        using var op = OperatorHttp.Client(uri);
        var report = await (await op.GetAsync($"/v1/operator/reconciliation?date={dayText}")).JsonAsync();
        output.WriteLine(report.ToString());
        Assert.True(report.GetProperty("reconciled").GetBoolean(), report.ToString());
        Assert.Equal(0, report.GetProperty("differenceCount").GetInt32());
        Assert.Equal((4, 180_000L, 180_000L, 180_000L), (report.GetProperty("logPvdCount").GetInt32(), report.GetProperty("logPvdMills").GetInt64(),
            report.GetProperty("resettingPvdMills").GetInt64(), report.GetProperty("ledgerPvdMills").GetInt64()));
        Assert.Equal((400L, 400L, 49_270L, 49_270L), (report.GetProperty("logRefundMills").GetInt64(), report.GetProperty("ledgerRefundMills").GetInt64(),
            report.GetProperty("logWithdrawalMills").GetInt64(), report.GetProperty("ledgerWithdrawalMills").GetInt64()));
        Assert.Equal((net, net, net, net), (report.GetProperty("resettingNetPostageMills").GetInt64(), report.GetProperty("remittancePayableNetMills").GetInt64(),
            report.GetProperty("remittedMills").GetInt64(), report.GetProperty("remittancePostedMills").GetInt64()));
        Assert.Equal(3, report.GetProperty("metersCompared").GetInt32());
        var bad = await op.GetAsync("/v1/operator/reconciliation?date=2026-13-01");
        Assert.Equal(400, (int)bad.StatusCode);

        // Plant a difference of one mill: bob's PVD as the ledger holds it (both sides, so the ledger still balances).
        var bobPvd = await LocalServices.ScalarAsync<long>(world.Database,
            "SELECT meter_sequence FROM vbi_log WHERE meter_id = @m AND kind = 1", ("m", bob.MeterId));
        var pvdEntry = $"pvd:{bob.MeterId}:{bobPvd}";
        Assert.Equal(2L, await LocalServices.ScalarAsync<long>(world.Database,
            "WITH u AS (UPDATE vbi_ledger_posting SET debit_mills = CASE WHEN debit_mills > 0 THEN debit_mills + 1 ELSE 0 END, " +
            "credit_mills = CASE WHEN credit_mills > 0 THEN credit_mills + 1 ELSE 0 END " +
            "WHERE entry_id = @e AND (account LIKE 'postage-funds-held:%' OR account = 'card-clearing') RETURNING 1) SELECT count(*) FROM u", ("e", pvdEntry)));

        // The next run of the day reconciles again and names it: the check, the meter and sequence, the customer, 50,000 expected, 50,001 found.
        await ProviderWorld.RunAsync(uri, day, ProviderServices.Resetting);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await AdminApp.RunAsync(["provider", "reconcile", "--date", dayText, "--server", uri.ToString(), "--operator", HostEnvironment.OperatorName],
            stdout, stderr, n => n == AdminApp.OperatorKeyVariable ? HostEnvironment.OperatorKey : null);
        output.WriteLine(stdout.ToString());
        Assert.Equal(AdminExitCodes.Differences, exit);
        Assert.Contains($"ledger-pvd meter={bob.MeterId} sequence={bobPvd} customer={bob.CustomerId} expected=50000 found=50001 difference=1", stdout.ToString(),
            StringComparison.Ordinal);
        report = await (await op.GetAsync($"/v1/operator/reconciliation?date={dayText}")).JsonAsync();
        Assert.False(report.GetProperty("reconciled").GetBoolean());
        var difference = Assert.Single(report.GetProperty("differences").EnumerateArray());
        Assert.Equal(("ledger-pvd", bob.MeterId, bobPvd, bob.CustomerId, 50_000L, 50_001L, 1L), (difference.GetProperty("check").GetString(),
            difference.GetProperty("meterId").GetString(), difference.GetProperty("sequence").GetInt64(), difference.GetProperty("customerId").GetString(),
            difference.GetProperty("expectedMills").GetInt64(), difference.GetProperty("foundMills").GetInt64(), difference.GetProperty("differenceMills").GetInt64()));
        Assert.True(report.GetProperty("runs").GetInt32() >= 2);
        // The alert: a Critical log event naming it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!host.Output.Any(l => l.Contains("ledger-pvd differs for meter " + bob.MeterId, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "no alert was logged for the planted difference");
            await Task.Delay(200);
        }

        // Plant another: the resetting file as kept in the archive, carol's first PVD one mill more (its trailer made to agree).
        var carolPvd = await LocalServices.ScalarAsync<long>(world.Database,
            "SELECT meter_sequence FROM vbi_log WHERE meter_id = @m AND kind = 1 AND amount_mills = 25000", ("m", carol.MeterId));
        var resettingView = files.Single(f => f.GetProperty("service").GetString() == ProviderServices.Resetting);
        var container = new Azure.Storage.Blobs.BlobContainerClient(LocalServices.ArchiveConnectionString, HostEnvironment.ContainerName(world.ClusterId));
        var blob = container.GetBlobClient(resettingView.GetProperty("archivePath").GetString()!);
        var lines = (await blob.DownloadContentAsync()).Value.Content.ToString().Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Split('|');
            if (f is ["T", var m, var seq, "PVD", ..] && m == carol.MeterId && seq == carolPvd.ToString(CultureInfo.InvariantCulture)) f[5] = "25001";
            if (f is ["Z", ..]) (f[6], f[12]) = ((long.Parse(f[6], CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture),
                (long.Parse(f[12], CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture));
            lines[i] = string.Join('|', f);
        }
        await blob.UploadAsync(BinaryData.FromString(string.Join('\n', lines)), overwrite: true);
        await ProviderWorld.RunAsync(uri, day, ProviderServices.Licensing);
        report = await (await op.GetAsync($"/v1/operator/reconciliation?date={dayText}")).JsonAsync();
        output.WriteLine(report.ToString());
        var differences = report.GetProperty("differences").EnumerateArray()
            .Select(d => (d.GetProperty("check").GetString(), d.GetProperty("meterId").GetString(), d.GetProperty("expectedMills").GetInt64(), d.GetProperty("foundMills").GetInt64()))
            .ToList();
        Assert.Equal(3, report.GetProperty("differenceCount").GetInt32());
        Assert.Contains(("resetting-transaction", carol.MeterId, 25_000L, 25_001L), differences);
        Assert.Contains(("remittance-net", (string?)null, net, net + 1), differences);
        Assert.Contains(("ledger-pvd", bob.MeterId, 50_000L, 50_001L), differences);
    }
}
