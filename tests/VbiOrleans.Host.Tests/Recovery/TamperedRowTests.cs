using System.Net.Http.Json;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// I5 detection on the paths customers and partners take, against a real Cluster host process and its PostgreSQL
/// stores: postal rows swapped between meters, edited (one byte flipped), restored to an older version and deleted,
/// by hand, between a SIGKILL and a restart. Each tampered meter is inhibited once, whatever path finds it (a signed
/// print, a login, a password change, a registration, a partner's print, an operator's print), shows nothing of the row it was given, and counts once toward
/// the system-wide stop; rows that are merely behind or gone roll forward from the log, with no secret of the older
/// package used. The operator resumes the system and rebuilds each tampered row from the log, with its exact registers,
/// and the customers print again.
/// </summary>
[Collection(RecoveryCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed class TamperedRowTests(ITestOutputHelper output)
{
    private const string Password = "correct horse battery staple";
    private const string NewPassword = "a different horse, battery and staple";
    private const int Threshold = 2;

    private sealed record Meter(string Name, string MeterId, VbiClient Client, byte[] Hmk, MeterSession? Session, Func<VbiClient> NewClient) : IDisposable
    {
        /// <summary>The same customer (or partner) with a new client, its meter session resumed from where it was.</summary>
        public Meter Reconnect()
        {
            var client = NewClient();
            var session = Session is null ? null : client.ResumeMeterSession(MeterId, Hmk, Session.State);
            Dispose();
            return this with { Client = client, Session = session };
        }

        public void Dispose()
        {
            Session?.Dispose();
            Client.Dispose();
        }
    }

    [Fact]
    public async Task Tampered_rows_are_inhibited_once_on_every_path_stop_the_system_at_the_threshold_and_are_rebuilt_from_the_log()
    {
        await using var cluster = await RecoveryCluster.CreateAsync("rec-tamper");
        cluster.Environment["Vbi__Module__PasswordIterations"] = "20000";
        cluster.Environment["Vbi__Api__AccountPasswordIterations"] = "20000";
        cluster.Environment["Vbi__Module__ShutdownThreshold"] = Threshold.ToString();
        await cluster.StartAsync();
        using var operatorClient = new VbiClient(new VbiClientOptions
        {
            BaseAddress = cluster.Host!.BaseAddress, OperatorName = HostEnvironment.OperatorName, OperatorKey = HostEnvironment.OperatorKey,
        });

        // Customers through the SDK, and one partner acting for its customer: distinct registers for every meter.
        var a = await CustomerAsync(cluster, "A", fund: 10_000, prints: [100, 100, 100]);
        var b = await CustomerAsync(cluster, "B", fund: 20_000, prints: [555]);
        var c = await CustomerAsync(cluster, "C", fund: 7_000, prints: [210, 220]);
        var d = await CustomerAsync(cluster, "D", fund: 9_000, prints: [300]);
        var e = await CustomerAsync(cluster, "E", fund: 6_000, prints: [120, 130, 140, 150]);
        var f = await PartnerCustomerAsync(cluster, operatorClient, "F", fund: 8_000, prints: [410]);
        var g = await LicensedOnlyAsync(cluster, "G");
        var h = await CustomerAsync(cluster, "H", fund: 5_000, prints: [250]);

        // D: the row as it was before a password change and another print, to be put back later.
        var dOld = await RowAsync(cluster, d.MeterId);
        await d.Client.ChangeMeterPasswordAsync(d.MeterId, d.Hmk, Password, NewPassword);
        using (var afterChange = await d.Client.OpenMeterSessionAsync(d.MeterId, d.Hmk, NewPassword))
            await afterChange.PrintAsync(new PrintOrder(333, "94105", "FIRST-CLASS"));

        var recorded = new Dictionary<string, JsonElement>();
        foreach (var m in new[] { a, b, c, d, e, f, g, h }) recorded[m.MeterId] = await AuditAsync(cluster, m.MeterId);

        await cluster.KillHostAsync();
        Assert.Equal(2, await cluster.PostalAsync($"""
            WITH rows AS (SELECT GrainIdExtensionString AS id, PayloadBinary AS p FROM OrleansStorage
                          WHERE GrainTypeString = 'meter' AND GrainIdExtensionString IN ('{a.MeterId}', '{b.MeterId}'))
            UPDATE OrleansStorage o SET PayloadBinary = r.p FROM rows r
            WHERE o.GrainTypeString = 'meter' AND o.GrainIdExtensionString IN ('{a.MeterId}', '{b.MeterId}') AND r.id <> o.GrainIdExtensionString
            """));
        foreach (var m in new[] { c, f, g, h }) await WriteRowAsync(cluster, m.MeterId, FlipPackageByte(await RowAsync(cluster, m.MeterId)));
        await WriteRowAsync(cluster, d.MeterId, dOld);
        Assert.Equal(1, await cluster.PostalAsync($"DELETE FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = '{e.MeterId}'"));
        output.WriteLine("host SIGKILLed; rows of A and B swapped, one byte of C, F, G and H flipped, D restored to before its password change, E deleted");
        await cluster.StartAsync();
        // New HTTP clients (the old ones' pooled connections went with the killed process); sessions resume.
        (a, b, c, d, e, f, g, h) = (a.Reconnect(), b.Reconnect(), c.Reconnect(), d.Reconnect(), e.Reconnect(), f.Reconnect(), g.Reconnect(), h.Reconnect());
        using var meters = new Disposables(a, b, c, d, e, f, g, h);
        using var operatorPrints = new PrintClient(cluster.Host!.BaseAddress);

        // D: restored to an older version, and the log bridges it: rolled forward before any secret of the package is
        // used, so the old password is refused and the new one opens a session; nothing is inhibited.
        var oldLogin = await Assert.ThrowsAsync<VbiApiException>(() => d.Client.OpenMeterSessionAsync(d.MeterId, d.Hmk, Password));
        Assert.Equal("WrongPassword", oldLogin.Code);
        using var dSession = await d.Client.OpenMeterSessionAsync(d.MeterId, d.Hmk, NewPassword);
        AssertSameRegisters(recorded[d.MeterId], await AuditAsync(cluster, d.MeterId));
        // E: deleted, rebuilt from the log on its first read, exactly.
        var eMeter = await e.Client.GetMeterAsync(e.MeterId);
        Assert.Equal(("Operational", "10001"), (eMeter.State, eMeter.LicensingZip));
        AssertSameRegisters(recorded[e.MeterId], await AuditAsync(cluster, e.MeterId));
        Assert.Equal(0, (await SystemAsync(cluster)).GetProperty("failuresInWindow").GetInt32());

        // A: the customer's signed print finds B's row: inhibited, and the retry is refused the same way without
        // counting again. Reads show module memory's checkpoint of A, never B's ZIP, serial or registers.
        var print = new PrintOrder(100, "94105", "FIRST-CLASS");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var refused = await Assert.ThrowsAsync<VbiApiException>(() => a.Session!.PrintAsync(print));
            Assert.Equal((409, "MeterInhibited"), (refused.Status, refused.Code));
        }
        Assert.Equal(1, (await SystemAsync(cluster)).GetProperty("failuresInWindow").GetInt32());
        var aView = await a.Client.GetMeterAsync(a.MeterId);
        Assert.Equal("Inhibited", aView.State);
        Assert.StartsWith("CheckpointOfAnotherMeter", aView.InhibitReason);
        Assert.Null(aView.LicensingZip);
        Assert.Null(aView.CertificateSerial);
        var aRecorded = recorded[a.MeterId].GetProperty("registers");
        Assert.Equal((aRecorded.GetProperty("ascendingMills").GetInt64(), aRecorded.GetProperty("descendingMills").GetInt64(), aRecorded.GetProperty("sequence").GetInt64()),
            (aView.AscendingMills, aView.DescendingMills, aView.Sequence));
        Assert.Equal(aView.Sequence, aView.ModuleMemoryCheckpoint!.Sequence);
        var aAudit = await AuditAsync(cluster, a.MeterId);
        Assert.Equal("Inhibited", aAudit.GetProperty("state").GetString());
        foreach (var hidden in new[] { "registers", "licensingZip", "certificateSerial", "postalCheckpoint" })
            Assert.Equal(JsonValueKind.Null, aAudit.GetProperty(hidden).ValueKind);
        Assert.Equal(aView.Sequence, aAudit.GetProperty("moduleMemory").EnumerateArray().Last().GetProperty("sequence").GetInt64());
        Assert.Contains(aAudit.GetProperty("moduleAudit").EnumerateArray(), r => r.GetString()!.Contains("inhibited: CheckpointOfAnotherMeter"));
        // The password change is refused too (no count: A is inhibited already).
        var change = await Assert.ThrowsAsync<VbiApiException>(() => a.Client.ChangeMeterPasswordAsync(a.MeterId, a.Hmk, Password, NewPassword));
        Assert.Equal("MeterInhibited", change.Code);

        // B: the customer's login finds A's row: inhibited before anything of that package is used.
        var login = await Assert.ThrowsAsync<VbiApiException>(() => b.Client.OpenMeterSessionAsync(b.MeterId, b.Hmk, Password));
        Assert.Equal((409, "MeterInhibited"), (login.Status, login.Code));
        var bView = await b.Client.GetMeterAsync(b.MeterId);
        Assert.Equal("Inhibited", bView.State);
        Assert.Equal(recorded[b.MeterId].GetProperty("registers").GetProperty("descendingMills").GetInt64(), bView.DescendingMills);
        Assert.Equal(2, (await SystemAsync(cluster)).GetProperty("failuresInWindow").GetInt32());
        Assert.False((await SystemAsync(cluster)).GetProperty("stopped").GetBoolean());

        // C: a flipped byte, found by the customer's signed print: the third tampered row stops PVD and printing.
        var tampered = await Assert.ThrowsAsync<VbiApiException>(() => c.Session!.PrintAsync(print));
        Assert.Equal((409, "MeterInhibited"), (tampered.Status, tampered.Code));
        Assert.StartsWith("PackageTampered", (await c.Client.GetMeterAsync(c.MeterId)).InhibitReason);
        var system = await SystemAsync(cluster);
        Assert.True(system.GetProperty("stopped").GetBoolean(), system.ToString());
        Assert.Equal(Threshold + 1, system.GetProperty("failuresInWindow").GetInt32());
        var stopped = await Assert.ThrowsAsync<VbiApiException>(() => dSession.PrintAsync(print));
        Assert.Equal((503, "SystemStopped"), (stopped.Status, stopped.Code));

        // F: the partner's signed print, G: a customer's registration, H: an operator's print, each find an edited row.
        var partnerPrint = await Assert.ThrowsAsync<VbiApiException>(() => f.Session!.PrintAsync(print));
        Assert.Equal((409, "MeterInhibited"), (partnerPrint.Status, partnerPrint.Code));
        var moduleKey = Convert.FromBase64String((await g.Client.GetModuleIdentityAsync()).PublicKey);
        var registration = await Assert.ThrowsAsync<VbiApiException>(() => g.Client.RegisterMeterAsync(g.MeterId, Password, moduleKey));
        Assert.Equal((409, "MeterInhibited"), (registration.Status, registration.Code));
        var operatorPrint = await operatorPrints.PrintAsync(h.MeterId, Guid.NewGuid().ToString("N"), 100);
        Assert.True(operatorPrint is { Outcome: PrintOutcome.Refused, Status: 409 } && operatorPrint.Detail!.Contains("MeterInhibited"), operatorPrint.ToString());
        Assert.Equal(6, (await SystemAsync(cluster)).GetProperty("failuresInWindow").GetInt32());
        // The alert: one Critical event with its stable id per meter.
        var console = cluster.Host!.Output.ToList();
        foreach (var m in new[] { a, b, c, f, g, h })
            Assert.Single(console, line => line.Contains($"crit: VbiOrleans.Grains.Modules.ModuleSessionGrain[1601] Meter {m.MeterId} inhibited"));

        // The operator resumes the system, and rebuilds every tampered row from the log: exact registers, and the
        // customers and the partner print again.
        using var http = cluster.Operator();
        using (var resumed = await http.PostAsync("/v1/operator/system/resume", null)) Assert.True(resumed.IsSuccessStatusCode);
        // A silo reads the guard at most a second late (SystemGuardView): a print in that second may still be refused.
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5); ; await Task.Delay(100))
        {
            try
            {
                await dSession.PrintAsync(print);
                break;
            }
            catch (VbiApiException stillStopped) when (stillStopped.Code == "SystemStopped" && DateTime.UtcNow < deadline)
            {
            }
        }
        foreach (var m in new[] { a, b, c, f, g, h })
        {
            var reason = $"postal row of {m.Name} tampered; rebuilt from the log";
            if (m == g)
            {
                // vbi-admin's way to the same endpoint.
                var (exit, stdout, stderr) = await RecoveryCluster.AdminAsync("recover-meter", m.MeterId, "--reason", reason,
                    "--server", cluster.Host!.BaseAddress.ToString(), "--operator", HostEnvironment.OperatorName);
                Assert.True(exit == 0, $"vbi-admin recover-meter exited {exit}: {stdout} {stderr}");
            }
            else
            {
                using var response = await http.PostAsJsonAsync($"/v1/operator/meters/{m.MeterId}/recover", new { reason });
                var body = await response.JsonAsync();
                Assert.True(response.IsSuccessStatusCode, $"{m.Name}: {(int)response.StatusCode} {body}");
            }
            var audit = await AuditAsync(cluster, m.MeterId);
            AssertSameRegisters(recorded[m.MeterId], audit);
            Assert.Equal(recorded[m.MeterId].GetProperty("licensingZip").GetString(), audit.GetProperty("licensingZip").GetString());
            Assert.Equal(recorded[m.MeterId].GetProperty("certificateSerial").GetString(), audit.GetProperty("certificateSerial").GetString());
            Assert.Equal(JsonValueKind.Null, audit.GetProperty("inhibitReason").ValueKind);
            Assert.Contains(audit.GetProperty("moduleAudit").EnumerateArray(), r => r.GetString()!.Contains($"by operator {HostEnvironment.OperatorName}"));
        }
        var printedA = await a.Session!.PrintAsync(print);
        Assert.Equal(recorded[a.MeterId].GetProperty("registers").GetProperty("ascendingMills").GetInt64() + 100, printedA.Meter.AscendingMills);
        using (var bSession = await b.Client.OpenMeterSessionAsync(b.MeterId, b.Hmk, Password)) await bSession.PrintAsync(print);
        await c.Session!.PrintAsync(print);
        await f.Session!.PrintAsync(print);
        await g.Client.RegisterMeterAsync(g.MeterId, Password, moduleKey);
        Assert.Equal(PrintOutcome.Acknowledged, (await operatorPrints.PrintAsync(h.MeterId, Guid.NewGuid().ToString("N"), 100)).Outcome);
        Assert.False((await SystemAsync(cluster)).GetProperty("stopped").GetBoolean());
        output.WriteLine("6 tampered meters inhibited once each, the system stopped at the third and resumed; all 6 rebuilt from the log and printing");
    }

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }

    private static async Task<Meter> CustomerAsync(RecoveryCluster cluster, string name, long fund, long[] prints)
    {
        using var anonymous = Client(cluster);
        var account = await anonymous.SignUpAsync($"c{Guid.NewGuid():N}@example.com", Password);
        var client = Client(cluster, account.Token);
        var meter = await client.LicenseMeterAsync("10001");
        var hmk = await client.RegisterMeterAsync(meter.MeterId, Password, Convert.FromBase64String((await client.GetModuleIdentityAsync()).PublicKey));
        var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, Password);
        await session.FundAsync(fund, "payment-" + Guid.NewGuid().ToString("N"));
        foreach (var postage in prints) await session.PrintAsync(new PrintOrder(postage, "94105", "FIRST-CLASS"));
        return new Meter(name, meter.MeterId, client, hmk, session, () => Client(cluster, account.Token));
    }

    private static async Task<Meter> PartnerCustomerAsync(RecoveryCluster cluster, VbiClient operatorClient, string name, long fund, long[] prints)
    {
        var partnerId = "shop-" + Guid.NewGuid().ToString("N")[..8];
        var created = await operatorClient.CreatePartnerAsync(partnerId, "Corner shop");
        using var anonymous = Client(cluster);
        var account = await anonymous.SignUpAsync($"c{Guid.NewGuid():N}@example.com", Password);
        using (var customer = Client(cluster, account.Token)) await customer.LinkPartnerAsync(partnerId);
        VbiClient Shop() => new(new VbiClientOptions
        {
            BaseAddress = cluster.Host!.BaseAddress, Timeout = TimeSpan.FromSeconds(60),
            Partner = new PartnerCredentials(partnerId, created.Secret) { OnBehalfOf = account.Customer.CustomerId },
        });
        var shop = Shop();
        var meter = await shop.LicenseMeterAsync("10001");
        var hmk = await shop.RegisterMeterAsync(meter.MeterId, Password, Convert.FromBase64String((await shop.GetModuleIdentityAsync()).PublicKey));
        var session = await shop.OpenMeterSessionAsync(meter.MeterId, hmk, Password);
        await session.FundAsync(fund, "shop-order-" + Guid.NewGuid().ToString("N"));
        foreach (var postage in prints) await session.PrintAsync(new PrintOrder(postage, "94105", "FIRST-CLASS"));
        return new Meter(name, meter.MeterId, shop, hmk, session, Shop);
    }

    /// <summary>A licensed meter whose customer has not registered a client yet.</summary>
    private static async Task<Meter> LicensedOnlyAsync(RecoveryCluster cluster, string name)
    {
        using var anonymous = Client(cluster);
        var account = await anonymous.SignUpAsync($"c{Guid.NewGuid():N}@example.com", Password);
        var client = Client(cluster, account.Token);
        var meter = await client.LicenseMeterAsync("10001");
        return new Meter(name, meter.MeterId, client, [], null, () => Client(cluster, account.Token));
    }

    private static VbiClient Client(RecoveryCluster cluster, string? token = null) =>
        new(new VbiClientOptions { BaseAddress = cluster.Host!.BaseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60) });

    private static async Task<JsonElement> AuditAsync(RecoveryCluster cluster, string meterId)
    {
        using var http = cluster.Operator();
        using var response = await http.GetAsync($"/v1/operator/meters/{meterId}/audit");
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return body;
    }

    private static async Task<JsonElement> SystemAsync(RecoveryCluster cluster)
    {
        using var http = cluster.Operator();
        using var response = await http.GetAsync("/v1/operator/system");
        return await response.JsonAsync();
    }

    /// <summary>I6: the registers, sequence and piece count the operator saw before, exactly.</summary>
    private static void AssertSameRegisters(JsonElement before, JsonElement after)
    {
        var (r0, r1) = (before.GetProperty("registers"), after.GetProperty("registers"));
        foreach (var field in new[] { "ascendingMills", "descendingMills", "pieceCount", "sequence", "state" })
            Assert.Equal(r0.GetProperty(field).ToString(), r1.GetProperty(field).ToString());
    }

    private static async Task<byte[]> RowAsync(RecoveryCluster cluster, string meterId) =>
        (await LocalServices.ScalarAsync<byte[]>(cluster.PostalDatabase,
            "SELECT PayloadBinary FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id", ("id", meterId)))!;

    private static async Task WriteRowAsync(RecoveryCluster cluster, string meterId, byte[] payload) =>
        Assert.Equal(1, await LocalServices.ScalarAsync<long>(cluster.PostalDatabase,
            "WITH u AS (UPDATE OrleansStorage SET PayloadBinary = @p WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id RETURNING 1) SELECT count(*) FROM u",
            ("p", payload), ("id", meterId)));

    /// <summary>One bit of the sealed package's encrypted body (found by its "VPSD" magic), as an attacker's edit.</summary>
    private static byte[] FlipPackageByte(byte[] row)
    {
        var start = row.AsSpan().IndexOf("VPSD"u8);
        Assert.True(start >= 0, "no sealed package in the meter row");
        var copy = (byte[])row.Clone();
        copy[start + 200] ^= 0x10;
        return copy;
    }
}
