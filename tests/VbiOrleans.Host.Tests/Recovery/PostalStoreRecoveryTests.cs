using System.Diagnostics;
using System.Text.RegularExpressions;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Admin;
using VbiOrleans.Testing;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// The postal store lost or set back, with the module store and the transaction log intact (DESIGN I5, I6, and the
/// recovery matrix's roll-forward row), on a real Cluster host process that is SIGKILLed with its activations'
/// state in memory. The meters' registers must come back exactly as the clients last saw them, and no meter may run a
/// command on a stale row.
/// </summary>
[Collection(RecoveryCollection.Name)]
[Trait("Services", "PostgreSQL+Azurite+SoftHSM2")]
public sealed partial class PostalStoreRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Wiping_the_postal_database_after_10000_mixed_transactions_and_recovering_leaves_0_register_mismatches()
    {
        const int meters = 150;
        const int transactions = 10_000;
        var seed = Environment.TickCount;
        await using var cluster = await RecoveryCluster.CreateAsync("rec-wipe");
        var clock = Stopwatch.StartNew();
        await cluster.StartAsync();
        output.WriteLine($"host ready in {clock.Elapsed.TotalSeconds:0.0} s (cluster {cluster.ClusterId}, seed {seed})");

        var workload = new MeterWorkload(() => cluster.Grains, cluster.ClusterId, seed);
        clock.Restart();
        await workload.AddOperationalMetersAsync(meters, concurrency: 32);
        output.WriteLine($"{meters} meters provisioned, licensed, activated and funded in {clock.Elapsed.TotalSeconds:0.0} s");
        clock.Restart();
        await workload.RunMixedAsync(transactions, concurrency: 64, withdrawEvery: 30);
        var elapsed = clock.Elapsed;
        var kinds = Count(workload);
        output.WriteLine($"{transactions} mixed transactions in {elapsed.TotalSeconds:0.0} s ({transactions / elapsed.TotalSeconds:0} /s): {kinds}");

        var recorded = new Dictionary<string, MeterAudit>();
        foreach (var m in workload.Meters) recorded[m.Id] = await cluster.Grains.GetGrain<IMeterGrain>(m.Id).Audit();
        foreach (var m in workload.Meters) AssertAuditIsTheClientsView(m, recorded[m.Id]);

        await cluster.KillHostAsync();
        var wiped = await cluster.PostalAsync("DELETE FROM OrleansStorage");
        Assert.Equal(0, await cluster.MeterRowsAsync());
        output.WriteLine($"host SIGKILLed; postal store wiped: {wiped} rows deleted");

        clock.Restart();
        await cluster.StartAsync();
        var status = await cluster.ShipLogAsync();
        output.WriteLine($"host restarted and log shipped in {clock.Elapsed.TotalSeconds:0.0} s: {status.GetProperty("shipped").GetInt64()} entries in the archive");

        clock.Restart();
        var (exit, stdout, stderr) = await cluster.RecoverAsync();
        output.WriteLine($"vbi-admin recover exited {exit} in {clock.Elapsed.TotalSeconds:0.0} s: {stdout.Trim()}");
        Assert.True(exit == AdminExitCodes.Ok, $"vbi-admin recover exited {exit}\n{stdout}\n{stderr}\n{cluster.Transcript()}");
        Assert.Contains("archive verified: ok:", stderr);
        var summary = RecoverSummary().Match(stdout);
        Assert.True(summary.Success, stdout);
        Assert.True(int.Parse(summary.Groups["rebuilt"].Value) >= meters, $"every wiped meter is rebuilt from the log: {stdout}");
        Assert.Equal("0", summary.Groups["mismatches"].Value);
        Assert.True(await cluster.MeterRowsAsync() >= meters);

        var mismatches = new List<string>();
        var conservation = new List<string>();
        foreach (var m in workload.Meters)
        {
            var before = recorded[m.Id];
            var after = await cluster.Grains.GetGrain<IMeterGrain>(m.Id).Audit();
            if (Difference(before, after) is { } difference) mismatches.Add($"{m.Id}: {difference}");
            var r = after.Registers!;
            if (r.AscendingMills + r.DescendingMills != after.TotalDownloadedMills - after.TotalWithdrawnMills)
                conservation.Add($"{m.Id}: AR {r.AscendingMills} + DR {r.DescendingMills} != downloaded {after.TotalDownloadedMills} - withdrawn {after.TotalWithdrawnMills}");
        }
        output.WriteLine($"register mismatches: {mismatches.Count} of {meters} meters, {transactions} transactions");
        output.WriteLine($"I1 conservation violations: {conservation.Count} of {meters} meters");
        Assert.True(mismatches.Count == 0, "I6 the log rebuilds everything: " + string.Join("\n", mismatches.Take(10)));
        Assert.True(conservation.Count == 0, "I1 conservation: " + string.Join("\n", conservation.Take(10)));

        // The rebuilt rows are usable: every meter takes its next command from exactly where its client left it.
        var accepted = 0;
        var withdrawnRefused = 0;
        foreach (var m in workload.Meters)
        {
            var print = new PrintCommand(new PrintRequest(100, "94105", "FCM"));
            if (m.IsWithdrawn)
            {
                var refused = await workload.TryAsync(m, print, m.Expected);
                Assert.True(refused.Error == ErrorCode.MeterWithdrawn, $"withdrawn meter {m.Id} answered {refused.Error}: {refused.Message}");
                withdrawnRefused++;
                continue;
            }
            await workload.RunAsync(m, print, m.Expected);
            accepted++;
        }
        output.WriteLine($"after recovery: {accepted} meters printed on from their recorded registers, {withdrawnRefused} withdrawn meters still refuse");
        Assert.Equal(meters, accepted + withdrawnRefused);
        Assert.True(withdrawnRefused > 0);
    }

    [Fact]
    public async Task Restoring_an_older_snapshot_of_the_postal_database_rolls_every_meter_forward_and_accepts_no_stale_state()
    {
        const int meters = 60;
        var seed = Environment.TickCount;
        await using var cluster = await RecoveryCluster.CreateAsync("rec-restore");
        var clock = Stopwatch.StartNew();
        await cluster.StartAsync();

        var workload = new MeterWorkload(() => cluster.Grains, cluster.ClusterId, seed);
        await workload.AddOperationalMetersAsync(meters, concurrency: 32);
        await workload.RunMixedAsync(meters * 3, concurrency: 32);
        // The snapshot: a copy of the postal store's rows, as a backup taken now would hold them.
        await cluster.PostalAsync("CREATE TABLE vbi_test_snapshot AS SELECT * FROM OrleansStorage");
        var stale = workload.Meters.ToDictionary(m => m.Id, m => (m.Sequence, m.Expected));

        // More than module memory's depth (K = 3) beyond the snapshot: only the log can bridge the gap.
        await workload.RunMixedAsync(meters * 8, concurrency: 32);
        var latest = workload.Meters.ToDictionary(m => m.Id, m => (m.Sequence, m.Expected));
        output.WriteLine($"{meters} meters, snapshot at {stale.Values.Sum(s => s.Sequence)} sequences in total, latest {latest.Values.Sum(s => s.Sequence)} " +
            $"(seed {seed}, {clock.Elapsed.TotalSeconds:0.0} s)");

        await cluster.KillHostAsync();
        await cluster.PostalAsync("BEGIN; DELETE FROM OrleansStorage; INSERT INTO OrleansStorage SELECT * FROM vbi_test_snapshot; COMMIT;");
        await cluster.StartAsync();

        // The restore took: every postal row is the snapshot's (read from PostgreSQL: any use of a row, a read included,
        // has the module judge it and roll it forward), behind module memory.
        var asSnapshot = await LocalServices.ScalarAsync<long>(cluster.PostalDatabase, $"""
            SELECT count(*) FROM OrleansStorage o JOIN vbi_test_snapshot s
              ON s.GrainTypeString = o.GrainTypeString AND s.GrainIdExtensionString = o.GrainIdExtensionString AND s.PayloadBinary = o.PayloadBinary
            WHERE o.GrainTypeString = 'meter' AND o.GrainIdExtensionString IN ({string.Join(", ", workload.Meters.Select(m => $"'{m.Id}'"))})
            """);
        Assert.Equal(meters, asSnapshot);
        var restored = 0;
        foreach (var m in workload.Meters)
        {
            var memory = await cluster.Grains.GetGrain<IModuleSessionGrain>(m.Id).Memory();
            Assert.True(memory[^1].Sequence == latest[m.Id].Sequence && stale[m.Id].Sequence < latest[m.Id].Sequence,
                $"meter {m.Id}: module memory at {memory[^1].Sequence}; expected the latest {latest[m.Id].Sequence}, after the snapshot's {stale[m.Id].Sequence}");
            restored++;
        }

        // Half the clients still hold the snapshot's registers (they were restored too): refused, nothing runs on them.
        var staleViewsRefused = 0;
        var staleViews = 0;
        var staleAccepted = new List<string>();
        var rolledForward = 0;
        foreach (var m in workload.Meters)
        {
            var print = new PrintCommand(new PrintRequest(100, "94105", "FCM"));
            if (m.Index % 2 == 0)
            {
                staleViews++;
                var refused = await workload.TryAsync(m, print, stale[m.Id].Expected);
                if (refused.IsSuccess) staleAccepted.Add($"{m.Id}: a command expecting the snapshot's registers ran to sequence {refused.Registers!.Sequence}");
                else if (refused.Error == ErrorCode.RegistersMismatch) staleViewsRefused++;
                else staleAccepted.Add($"{m.Id}: a command expecting the snapshot's registers was refused with {refused.Error}: {refused.Message}");
            }
            var result = await workload.TryAsync(m, print, latest[m.Id].Expected);
            if (!result.IsSuccess)
            {
                staleAccepted.Add($"{m.Id}: the command expecting the latest registers was refused: {result.Error}: {result.Message}");
                continue;
            }
            m.Apply(print, result);
            if (result.Registers!.Sequence == latest[m.Id].Sequence + 1 && result.Registers.AscendingMills == latest[m.Id].Expected.AscendingMills + 100
                && result.Registers.DescendingMills == latest[m.Id].Expected.DescendingMills - 100)
                rolledForward++;
            else
                staleAccepted.Add($"{m.Id}: ran at sequence {result.Registers.Sequence} with {result.Registers}; the latest was {latest[m.Id]}");
        }
        output.WriteLine($"postal rows restored to the snapshot: {restored} of {meters}");
        output.WriteLine($"stale meters accepted: {staleAccepted.Count} of {meters}, rolled forward: {rolledForward}");
        output.WriteLine($"commands carrying the snapshot's registers refused: {staleViewsRefused} of {staleViews}");
        Assert.True(staleAccepted.Count == 0, "I5 detection: " + string.Join("\n", staleAccepted.Take(10)));
        Assert.Equal(meters, rolledForward);
        Assert.Equal(staleViews, staleViewsRefused);

        foreach (var m in workload.Meters)
        {
            var audit = await cluster.Grains.GetGrain<IMeterGrain>(m.Id).Audit();
            Assert.Null(audit.InhibitReason);
            Assert.Equal(m.Sequence, audit.PostalCheckpoint!.Sequence);
            Assert.Equal(audit.ModuleMemory[^1].Sequence, audit.PostalCheckpoint.Sequence);
            Assert.True(audit.Registers!.AscendingMills + audit.Registers.DescendingMills == audit.TotalDownloadedMills - audit.TotalWithdrawnMills,
                $"I1 conservation, meter {m.Id}: {audit.Registers}, downloaded {audit.TotalDownloadedMills}, withdrawn {audit.TotalWithdrawnMills}");
        }
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>The recorded audit and the audit after recovery differ in registers, sequence, pieces, totals or checkpoint.</summary>
    private static string? Difference(MeterAudit before, MeterAudit after)
    {
        if (before.Registers != after.Registers) return $"registers {before.Registers} became {after.Registers}";
        if (before.PostalCheckpoint != after.PostalCheckpoint) return $"postal checkpoint {before.PostalCheckpoint} became {after.PostalCheckpoint}";
        if ((before.TotalDownloadedMills, before.TotalWithdrawnMills, before.TotalRefundedMills) != (after.TotalDownloadedMills, after.TotalWithdrawnMills, after.TotalRefundedMills))
            return $"totals {(before.TotalDownloadedMills, before.TotalWithdrawnMills, before.TotalRefundedMills)} became " +
                $"{(after.TotalDownloadedMills, after.TotalWithdrawnMills, after.TotalRefundedMills)}";
        if (before.CertificateSerial != after.CertificateSerial || before.LicensingZip != after.LicensingZip)
            return $"certificate {before.CertificateSerial}/{before.LicensingZip} became {after.CertificateSerial}/{after.LicensingZip}";
        if (after.InhibitReason is not null) return $"inhibited: {after.InhibitReason}";
        if (after.ModuleMemory.Count == 0 || after.ModuleMemory[^1] != after.PostalCheckpoint) return "the postal checkpoint is not module memory's latest";
        return null;
    }

    private static void AssertAuditIsTheClientsView(MeterView m, MeterAudit audit)
    {
        var r = audit.Registers!;
        Assert.True((r.AscendingMills, r.DescendingMills, r.PieceCount, r.Sequence) == (m.Ascending, m.Descending, m.Pieces, m.Sequence)
            && (audit.TotalDownloadedMills, audit.TotalWithdrawnMills, audit.TotalRefundedMills) == (m.Downloaded, m.Withdrawn, m.Refunded)
            && r.State == (m.IsWithdrawn ? "Withdrawn" : "Operational"),
            $"meter {m.Id}: the audit says {r}, totals {(audit.TotalDownloadedMills, audit.TotalWithdrawnMills, audit.TotalRefundedMills)}; " +
            $"the client saw AR {m.Ascending}, DR {m.Descending}, {m.Pieces} pieces, sequence {m.Sequence}, totals {(m.Downloaded, m.Withdrawn, m.Refunded)}");
    }

    /// <summary>The commands of the mixed phase by kind (the set-up's one PVD per meter left out).</summary>
    private static string Count(MeterWorkload workload) =>
        $"{workload.Meters.Sum(m => m.Prints)} prints, {workload.Meters.Sum(m => m.Downloads) - workload.Meters.Count} PVDs, " +
        $"{workload.Meters.Sum(m => m.Refunds)} refunds, {workload.Meters.Count(m => m.IsWithdrawn)} withdrawals";

    [GeneratedRegex(@"(?<meters>\d+) meters checked, (?<rebuilt>\d+) rebuilt from the log, (?<mismatches>\d+) register mismatches")]
    private static partial Regex RecoverSummary();
}

[CollectionDefinition(Name)]
public sealed class RecoveryCollection
{
    /// <summary>The recovery tests run one at a time: each drives a host hard on two cores.</summary>
    public const string Name = "Recovery";
}
