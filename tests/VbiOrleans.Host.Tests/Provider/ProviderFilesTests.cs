using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Domain.ProviderFiles.Licensing;
using VbiOrleans.Domain.ProviderFiles.Resetting;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Tests.Durability;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Provider;

/// <summary>
/// The provider files (docs/provider-files.md) end to end: customers over HTTP through the SDK, a real host on
/// PostgreSQL, SoftHSM2 and Azurite, the postal authority as the local OpenSSH SFTP server, and the signatures checked
/// with the real openssl binary.
/// </summary>
[Collection(DurabilityCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2+SFTP")]
public sealed class ProviderFilesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_day_of_mixed_transactions_makes_signed_licensing_and_resetting_files_at_the_postal_authority_and_licences_wait_for_its_answer()
    {
        var world = await ProviderWorld.CreateAsync("vbi_provider_day");
        var day = ProviderWorld.Today;
        await using var host = await HostEnvironment.StartAsync(FreePorts.Next(), world.Environment(approveAtOnce: false));
        try
        {
            await DayOfMixedTransactionsAsync(world, day, host.BaseAddress);
        }
        catch
        {
            output.WriteLine(host.Transcript());
            throw;
        }
    }

    private async Task DayOfMixedTransactionsAsync(ProviderWorld world, DateOnly day, Uri uri)
    {

        // Three customers license meters; until the postal authority answers, a meter takes no PVD.
        var first = await ProviderWorld.NewCustomerAsync(uri, taxId: "12-3456789");
        var second = await ProviderWorld.NewCustomerAsync(uri);
        var rejected = await ProviderWorld.NewCustomerAsync(uri);
        var pending = await Assert.ThrowsAsync<VbiApiException>(() => first.Session.FundAsync(100_000, ProviderWorld.PaymentReference()));
        Assert.Equal((403, VbiErrorCodes.MeterLicencePending), (pending.Status, pending.Code));
        Assert.Equal("pending", (await first.Client.GetMeterAsync(first.MeterId)).Licence?.Decision);

        // The postal authority's answer file: two approved, one rejected with its reason.
        const string reason = "licensing ZIP 10001 is not served by this provider's contract";
        await File.WriteAllBytesAsync(Path.Combine(world.OutboundPath, "licensing-answers-0001.txt"), LicensingAnswers.Write(ProviderWorld.ProviderId, day,
            [new LicenceAnswer(first.MeterId, true, ""), new LicenceAnswer(second.MeterId, true, ""), new LicenceAnswer(rejected.MeterId, false, reason)]));
        var licensing = Assert.Single(await ProviderWorld.RunAsync(uri, day, ProviderServices.Licensing));
        Assert.Equal("verified", licensing.GetProperty("state").GetString());

        // A day of mixed transactions on the approved meters; the rejected one refuses PVDs and prints, saying why.
        await first.Session.FundAsync(100_000, ProviderWorld.PaymentReference());
        var printed = await first.Session.PrintAsync(new PrintOrder(400, "94103", "FIRST-CLASS"));
        await first.Session.PrintAsync(new PrintOrder(1_230, "60601", "FIRST-CLASS"));
        await first.Session.RefundAsync(printed.IndiciumId!);
        await second.Session.FundAsync(50_000, ProviderWorld.PaymentReference());
        await second.Session.PrintAsync(new PrintOrder(730, "02134", "FIRST-CLASS"));
        await second.Session.WithdrawAsync();
        var refusedFund = await Assert.ThrowsAsync<VbiApiException>(() => rejected.Session.FundAsync(10_000, ProviderWorld.PaymentReference()));
        Assert.Equal((403, VbiErrorCodes.MeterLicenceRejected), (refusedFund.Status, refusedFund.Code));
        Assert.Contains(reason, refusedFund.Detail, StringComparison.Ordinal);
        var refusedPrint = await Assert.ThrowsAsync<VbiApiException>(() => rejected.Session.PrintAsync(new PrintOrder(400, "94103", "FIRST-CLASS")));
        Assert.Equal(VbiErrorCodes.MeterLicenceRejected, refusedPrint.Code);
        Assert.Equal(("rejected", reason), (await rejected.Client.GetMeterAsync(rejected.MeterId)).Licence is { } l ? (l.Decision, l.Reason) : default);
        Assert.Equal("approved", (await first.Client.GetMeterAsync(first.MeterId)).Licence?.Decision);

        // The operator runs the day through vbi-admin.
        using (var stdout = new StringWriter())
        using (var stderr = new StringWriter())
        {
            var exit = await AdminApp.RunAsync(["provider", "run", "--date", day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    "--server", uri.ToString(), "--operator", HostEnvironment.OperatorName], stdout, stderr,
                name => name == AdminApp.OperatorKeyVariable ? HostEnvironment.OperatorKey : null);
            Assert.True(exit == AdminExitCodes.Ok, stderr.ToString());
            output.WriteLine(stdout.ToString());
            Assert.Contains($"resetting {day:yyyy-MM-dd} verified", stdout.ToString(), StringComparison.Ordinal);
            Assert.Contains($"licensing {day:yyyy-MM-dd} verified", stdout.ToString(), StringComparison.Ordinal);
        }
        var resettingView = (await ProviderWorld.FileAsync(uri, ProviderServices.Resetting, day))!.Value;
        var licensingView = (await ProviderWorld.FileAsync(uri, ProviderServices.Licensing, day))!.Value;
        var remittanceView = (await ProviderWorld.FileAsync(uri, ProviderServices.Remittance, day))!.Value;

        // Each file is at the postal authority with its signature, as the view says, and verifies with openssl.
        var (providerPem, caPem) = await ProviderWorld.CertificatesAsync(uri);
        var sent = new Dictionary<string, byte[]>();
        foreach (var view in new[] { resettingView, licensingView, remittanceView })
        {
            var name = view.GetProperty("fileName").GetString()!;
            var path = Path.Combine(world.InboundPath, name);
            var bytes = await File.ReadAllBytesAsync(path);
            Assert.Equal(view.GetProperty("size").GetInt64(), bytes.Length);
            Assert.Equal(view.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            await ProviderWorld.AssertOpensslVerifiesAsync(path, path + ".sig", providerPem, caPem);
            // The archive keeps the same file and signature.
            var archive = new VbiOrleans.Grains.Archive.BlobArchiveStore(
                new Azure.Storage.Blobs.BlobContainerClient(LocalServices.ArchiveConnectionString, HostEnvironment.ContainerName(world.ClusterId)));
            var archived = view.GetProperty("archivePath").GetString()!;
            Assert.Equal(bytes, await archive.GetAsync(archived));
            Assert.Equal(await File.ReadAllBytesAsync(path + ".sig"), await archive.GetAsync(archived + ".sig"));
            sent[name] = bytes;
        }

        // The resetting file reads back, and its records and totals are the log's, to the mill.
        var report = ResettingReport.Parse(sent[resettingView.GetProperty("fileName").GetString()!]);
        Assert.True(report.IsSuccess, report.Error?.Message);
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var logged = await LocalServices.RowsAsync(world.Database,
            "SELECT kind, count(*), coalesce(sum(amount_mills), 0)::bigint FROM vbi_log WHERE at >= @from AND at < @to AND kind IN (1, 3, 4, 8) GROUP BY kind",
            ("from", from), ("to", from.AddDays(1)));
        (long Count, long Mills) Logged(short kind) =>
            logged.FirstOrDefault(r => (short)r[0]! == kind) is { } row ? ((long)row[1]!, (long)row[2]!) : (0, 0);
        var totals = report.Value.Totals;
        Assert.Equal(Logged(1), (totals.PvdCount, totals.PvdMills));
        Assert.Equal(Logged(3), (totals.RefundCount, totals.RefundMills));
        Assert.Equal(Logged(4), (totals.WithdrawalCount, totals.WithdrawalMills));
        Assert.Equal(Logged(8).Count, totals.LicenceCount);
        Assert.Equal((2L, 150_000L), (totals.PvdCount, totals.PvdMills));
        Assert.Equal((1L, 400L), (totals.RefundCount, totals.RefundMills));
        Assert.Equal(3, totals.LicenceCount);
        Assert.Equal(1, totals.WithdrawalCount);
        // Each meter's registers at the close are its last logged transaction's.
        foreach (var meter in new[] { first.MeterId, second.MeterId, rejected.MeterId })
        {
            var last = (await LocalServices.RowsAsync(world.Database,
                "SELECT meter_sequence, ar_mills, dr_mills FROM vbi_log WHERE meter_id = @m AND kind NOT IN (5, 6, 10, 11) ORDER BY id DESC LIMIT 1", ("m", meter))).Single();
            var registers = report.Value.Meters.Single(m => m.MeterId == meter);
            Assert.Equal(((long)last[0]!, (long)last[1]!, (long)last[2]!), (registers.Sequence, registers.AscendingMills, registers.DescendingMills));
        }
        Assert.Equal(0, report.Value.Meters.Single(m => m.MeterId == second.MeterId).DescendingMills); // withdrawn
        // Module use: every transaction of the day (prints and provisions included) under the module that processed it.
        var processed = await LocalServices.ScalarAsync<long>(world.Database,
            "SELECT count(*) FROM vbi_log WHERE at >= @from AND at < @to AND kind NOT IN (5, 6, 10, 11) AND module_serial <> ''",
            ("from", from), ("to", from.AddDays(1)));
        Assert.Equal(processed, report.Value.Modules.Sum(m => m.Transactions));
        Assert.Equal(150_000, report.Value.Modules.Sum(m => m.PvdMills));
        Assert.Equal(400 + 1_230 + 730, report.Value.Modules.Sum(m => m.PrintMills));

        // The licensing file: one application per new meter, the tax id encrypted to the postal authority's key.
        var applications = LicensingFile.Parse(sent[licensingView.GetProperty("fileName").GetString()!]);
        Assert.True(applications.IsSuccess, applications.Error?.Message);
        Assert.Equal(new[] { first.MeterId, second.MeterId, rejected.MeterId }.Order(), applications.Value.Applications.Select(a => a.MeterId).Order());
        var withTaxId = applications.Value.Applications.Single(a => a.MeterId == first.MeterId);
        Assert.Equal("123456789", Encoding.ASCII.GetString(world.PostalAuthorityKey.Decrypt(Convert.FromBase64String(withTaxId.EncryptedTaxId), RSAEncryptionPadding.OaepSHA256)));
        Assert.Equal("Provider Test Shop", withTaxId.Address.Name);
        Assert.Equal("10001", withTaxId.LicensingZip);
        Assert.Equal("", applications.Value.Applications.Single(a => a.MeterId == second.MeterId).EncryptedTaxId);
        Assert.Equal(LicensingFile.KeyId(world.PostalAuthorityKey.ExportSubjectPublicKeyInfo()), applications.Value.PostalKeyId);

        // Run again: the same bytes, nothing else sent (the folder holds exactly the files and signatures of the days run).
        var again = await ProviderWorld.RunAsync(uri, day);
        foreach (var file in again)
        {
            Assert.Equal("verified", file.GetProperty("state").GetString());
            Assert.True(file.GetProperty("lastError").ValueKind == System.Text.Json.JsonValueKind.Null, file.ToString());
            var name = file.GetProperty("fileName").GetString()!;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(sent[name])), file.GetProperty("sha256").GetString());
            Assert.Equal(sent[name], await File.ReadAllBytesAsync(Path.Combine(world.InboundPath, name)));
        }
        var inbound = Directory.GetFiles(world.InboundPath).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain(inbound, n => n!.EndsWith(".part", StringComparison.Ordinal));
        Assert.Equal(inbound.Count, inbound.Where(n => !n!.EndsWith(".sig", StringComparison.Ordinal)).Count() * 2);
        // Licensing, resetting and remittance.
        Assert.Equal(3, inbound.Count(n => n!.Contains(day.ToString("yyyyMMdd", CultureInfo.InvariantCulture), StringComparison.Ordinal) && !n.EndsWith(".sig", StringComparison.Ordinal)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the SFTP server's folder permissions
    public async Task A_host_killed_mid_run_and_a_refused_transfer_leave_the_day_pending_until_it_is_sent_once_with_the_same_bytes()
    {
        var world = await ProviderWorld.CreateAsync("vbi_provider_kill");
        var day = ProviderWorld.Today;
        var armed = Path.Combine(Path.GetTempPath(), $"vbi-kill-{Guid.NewGuid():N}");
        var httpPort = FreePorts.Next();
        HostProcess? host = await HostEnvironment.StartAsync(httpPort, world.Environment(approveAtOnce: true, FaultPoints.ProviderArchived, armed));
        try
        {
            var customer = await ProviderWorld.NewCustomerAsync(host.BaseAddress);
            await customer.Session.FundAsync(20_000, ProviderWorld.PaymentReference());
            await customer.Session.PrintAsync(new PrintOrder(560, "94103", "FIRST-CLASS"));

            // The reminders sent the days before (the first wake runs the latest closed day); then the operator's run of
            // today dies once its first file is built, signed and archived, before anything of today is sent.
            foreach (var service in new[] { ProviderServices.Licensing, ProviderServices.Resetting })
                await ProviderWorld.WaitVerifiedAsync(host.BaseAddress, service, day.AddDays(-1), Patience);
            await File.WriteAllTextAsync(armed, FaultPoints.ProviderArchived);
            await Assert.ThrowsAnyAsync<Exception>(() => ProviderWorld.RunAsync(host.BaseAddress, day));
            await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(host.HasExited, "the host did not die at the fault point");
            Assert.False(File.Exists(armed), "the fault point was not reached");
            await host.DisposeAsync();
            host = null;

            // The postal authority refuses our files for a while: its inbound folder is not writable for us.
            Directory.CreateDirectory(world.InboundPath);
            var yesterdays = Directory.GetFiles(world.InboundPath).Order().ToList();
            Assert.Equal(6, yesterdays.Count); // three files and their signatures
            var writable = File.GetUnixFileMode(world.InboundPath);
            File.SetUnixFileMode(world.InboundPath, UnixFileMode.UserRead | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

            host = await HostEnvironment.StartAsync(httpPort, world.Environment(approveAtOnce: true));
            var refused = Assert.Single(await ProviderWorld.RunAsync(host.BaseAddress, day, ProviderServices.Resetting));
            Assert.NotEqual("verified", refused.GetProperty("state").GetString());
            Assert.True(refused.GetProperty("attempts").GetInt32() >= 3, refused.ToString());
            Assert.StartsWith("Refused", refused.GetProperty("lastError").GetString(), StringComparison.Ordinal);
            // The day killed mid-run is pending too, and its reminder keeps trying: attempts grow, nothing is skipped.
            var deadline = DateTime.UtcNow + Patience;
            while ((await ProviderWorld.FileAsync(host.BaseAddress, ProviderServices.Licensing, day))?.GetProperty("attempts").GetInt32() is not >= 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "the licensing day's reminder did not retry the transfer");
                await Task.Delay(500);
            }
            var waiting = (await ProviderWorld.FileAsync(host.BaseAddress, ProviderServices.Licensing, day))!.Value;
            Assert.Equal("archived", waiting.GetProperty("state").GetString());
            Assert.Equal(yesterdays, Directory.GetFiles(world.InboundPath).Order().ToList());

            // The postal authority takes files again: the reminder sends both days, once, with the bytes built before the kill.
            File.SetUnixFileMode(world.InboundPath, writable);
            var (providerPem, caPem) = await ProviderWorld.CertificatesAsync(host.BaseAddress);
            foreach (var service in new[] { ProviderServices.Licensing, ProviderServices.Resetting })
            {
                var verified = await ProviderWorld.WaitVerifiedAsync(host.BaseAddress, service, day, Patience);
                output.WriteLine(verified.ToString());
                Assert.True(verified.GetProperty("lastError").ValueKind == System.Text.Json.JsonValueKind.Null, verified.ToString());
                var path = Path.Combine(world.InboundPath, verified.GetProperty("fileName").GetString()!);
                Assert.Equal(verified.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));
                await ProviderWorld.AssertOpensslVerifiesAsync(path, path + ".sig", providerPem, caPem);
            }
            var licensing = (await ProviderWorld.FileAsync(host.BaseAddress, ProviderServices.Licensing, day))!.Value;
            Assert.True(licensing.GetProperty("runs").GetInt32() >= 2, licensing.ToString());
            var report = ResettingReport.Parse(await File.ReadAllBytesAsync(Path.Combine(world.InboundPath,
                (await ProviderWorld.FileAsync(host.BaseAddress, ProviderServices.Resetting, day))!.Value.GetProperty("fileName").GetString()!)));
            Assert.True(report.IsSuccess, report.Error?.Message);
            Assert.Equal((1, 20_000L), (report.Value.Totals.PvdCount, report.Value.Totals.PvdMills));
            Assert.Contains(report.Value.Meters, m => m.MeterId == customer.MeterId && m.AscendingMills == 560 && m.DescendingMills == 19_440);
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
            File.Delete(armed);
        }
    }

    [Fact]
    public async Task The_local_profile_puts_the_files_in_its_postal_authority_folder_and_vbi_admin_runs_and_lists_them()
    {
        var data = Directory.CreateTempSubdirectory("vbi-provider-local-").FullName;
        try
        {
            var env = HostEnvironment.Local(data);
            env["Vbi__Provider__AllowOpenDay"] = "true";
            env["Vbi__Module__PasswordIterations"] = "20000";
            env["Vbi__Api__AccountPasswordIterations"] = "20000";
            await using var host = await HostEnvironment.StartAsync(FreePorts.Next(), env);
            var customer = await ProviderWorld.NewCustomerAsync(host.BaseAddress);
            var badTaxId = await Assert.ThrowsAsync<VbiApiException>(() => customer.Client.SetTaxIdAsync("12-34567"));
            Assert.Equal((400, VbiErrorCodes.InvalidTaxId), (badTaxId.Status, badTaxId.Code));
            Assert.False((await customer.Client.GetMeAsync()).HasTaxId);
            // The Local profile approves licences at once: the new meter takes a PVD straight away.
            await customer.Session.FundAsync(30_000, ProviderWorld.PaymentReference());
            await customer.Session.PrintAsync(new PrintOrder(680, "94103", "FIRST-CLASS"));
            var day = ProviderWorld.Today;

            async Task<(int Exit, string Out, string Err)> AdminAsync(params string[] args)
            {
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                var exit = await AdminApp.RunAsync([.. args, "--server", host.BaseAddress.ToString(), "--operator", HostEnvironment.OperatorName], stdout, stderr,
                    name => name == AdminApp.OperatorKeyVariable ? HostEnvironment.OperatorKey : null);
                return (exit, stdout.ToString(), stderr.ToString());
            }

            var dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var future = await AdminAsync("provider", "run", "--date", day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Assert.NotEqual(AdminExitCodes.Ok, future.Exit);
            Assert.Contains(VbiErrorCodes.ProviderDayNotClosed, future.Err, StringComparison.Ordinal);
            var unknown = await AdminAsync("provider", "run", "--date", dayText, "--service", "movement");
            Assert.Contains(VbiErrorCodes.UnknownProviderService, unknown.Err, StringComparison.Ordinal);

            var run = await AdminAsync("provider", "run", "--date", dayText, "--service", ProviderServices.Resetting);
            Assert.True(run.Exit == AdminExitCodes.Ok, run.Err);
            var listed = await AdminAsync("provider", "files", "--service", ProviderServices.Resetting);
            Assert.True(listed.Exit == AdminExitCodes.Ok, listed.Err);
            Assert.Contains($"resetting {dayText} verified attempts=1", listed.Out, StringComparison.Ordinal);

            var path = Path.Combine(data, "postal-authority", "inbound", ResettingReport.FileName(ProviderWorld.ProviderId, day));
            var report = ResettingReport.Parse(await File.ReadAllBytesAsync(path));
            Assert.True(report.IsSuccess, report.Error?.Message);
            Assert.Equal((1, 30_000L), (report.Value.Totals.PvdCount, report.Value.Totals.PvdMills));
            Assert.Contains(report.Value.Meters, m => m.MeterId == customer.MeterId && m.AscendingMills == 680 && m.DescendingMills == 29_320);
            var (providerPem, caPem) = await ProviderWorld.CertificatesAsync(host.BaseAddress);
            await ProviderWorld.AssertOpensslVerifiesAsync(path, path + ".sig", providerPem, caPem);

            // The day's reconciliation (in memory in this profile) runs once every service's file of the day is verified.
            var notYet = await AdminAsync("provider", "reconcile", "--date", dayText);
            Assert.Equal(AdminExitCodes.NotFound, notYet.Exit);
            Assert.Contains(VbiErrorCodes.ReconciliationNotFound, notYet.Err, StringComparison.Ordinal);
            var all = await AdminAsync("provider", "run", "--date", dayText);
            Assert.True(all.Exit == AdminExitCodes.Ok, all.Err);
            Assert.Contains($"remittance {dayText} verified", all.Out, StringComparison.Ordinal);
            var reconciled = await AdminAsync("provider", "reconcile", "--date", dayText);
            Assert.True(reconciled.Exit == AdminExitCodes.Ok, reconciled.Out + reconciled.Err);
            Assert.Contains($"{dayText} reconciled differences=0 pvds=1 pvdMills(log/resetting/ledger)=30000/30000/30000", reconciled.Out, StringComparison.Ordinal);
            Assert.Contains("remitted=30000", reconciled.Out, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
