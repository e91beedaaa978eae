using Orleans.Core.Internal;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>I5 detection and the recovery matrix, with the postal store changed in PostgreSQL itself.</summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class CheckpointProtocolTests(PostgresClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    /// <summary>The postal row's sequence as PostgreSQL holds it, and module memory's latest, without judging the row.</summary>
    private async Task<(long Postal, long Memory)> StuckAsync(string meterId) =>
        ((await new MeterRows(fixture).ReadAsync(meterId)).Checkpoint!.Sequence,
            (await Grains.GetGrain<VbiOrleans.Abstractions.Modules.IModuleSessionGrain>(meterId).Memory())[^1].Sequence);

    private static async Task Reload(IMeterGrain meter)
    {
        // Make the next command read the row back from PostgreSQL, as a restarted silo would.
        await meter.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(300);
    }

    [Fact]
    public async Task A_crash_before_the_log_append_is_rolled_back_and_the_indicium_never_released()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        Ok(await s.PrintAsync(100));

        await LogDatabase.FailAppendsOfAsync(s.MeterId);
        MeterResult? released = null;
        Exception? failure = null;
        try
        {
            released = await s.PrintAsync(200);
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            await LogDatabase.HealAppendsOfAsync(s.MeterId);
        }
        Assert.Null(released);
        Assert.NotNull(failure);

        // Module memory holds the unreleased print; neither the log nor the postal store does.
        var stuck = await StuckAsync(s.MeterId);
        Assert.Equal(stuck.Postal + 1, stuck.Memory);

        // The next command recovers: the unreleased transaction is rolled back (and that is logged), then it proceeds.
        var next = Ok(await s.PrintAsync(300));
        Assert.Equal(400, next.Registers!.AscendingMills);
        Assert.Equal(2, next.Registers.PieceCount);
        Assert.Equal(stuck.Memory, next.Registers.Sequence);

        var audit = await s.Meter.Audit();
        Assert.Equal(audit.PostalCheckpoint!.Sequence, audit.ModuleMemory[^1].Sequence);
        Assert.Equal(10_000, audit.Registers!.AscendingMills + audit.Registers.DescendingMills);
    }

    [Fact]
    public async Task A_crash_after_the_log_append_rolls_forward_and_the_retry_releases_the_same_indicium()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        Ok(await s.PrintAsync(100));

        var key = Key();
        await PostalDatabase.FailPostalWritesOfAsync(s.MeterId);
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => s.PrintAsync(200, key));
        }
        finally
        {
            await PostalDatabase.HealPostalWritesOfAsync(s.MeterId);
        }
        var stuck = await StuckAsync(s.MeterId);
        Assert.Equal(stuck.Postal + 1, stuck.Memory);

        // The print is in the log: the retry rolls the row forward and gets the print's own result back, once.
        var retried = Ok(await s.PrintAsync(200, key));
        Assert.Equal(300, retried.Registers!.AscendingMills);
        Assert.Equal(2, retried.Registers.PieceCount);
        Assert.Equal(stuck.Memory, retried.Indicium!.Sequence);
        var again = Ok(await s.PrintAsync(200, key));
        Assert.Equal(retried.Indicium.Signature, again.Indicium!.Signature);

        var audit = await s.Meter.Audit();
        Assert.Equal(audit.PostalCheckpoint!.Sequence, audit.ModuleMemory[^1].Sequence);
        Assert.Equal(2, audit.Registers!.PieceCount);
        Assert.Equal(10_000, audit.Registers.AscendingMills + audit.Registers.DescendingMills);
    }

    [Fact]
    public async Task A_row_restored_to_an_older_version_rolls_forward_from_the_log_however_far_behind()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        Ok(await s.PrintAsync(100));
        var old = await PostalDatabase.ReadMeterRowAsync(s.MeterId);
        for (var i = 0; i < 6; i++) Ok(await s.PrintAsync(100)); // further behind than module memory reaches
        var before = (await s.Meter.Audit()).Registers;

        await PostalDatabase.WriteMeterRowAsync(s.MeterId, old);
        await Reload(s.Meter);
        Assert.Equal(before, (await s.Meter.Reconcile()).Registers);
        var next = Ok(await s.PrintAsync(100));
        Assert.Equal(800, next.Registers!.AscendingMills);
        Assert.Equal(8, next.Registers.PieceCount);
    }

    [Fact]
    public async Task A_lost_row_is_rebuilt_from_the_log_with_its_idempotency_results()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        var key = Key();
        var printed = Ok(await s.PrintAsync(250, key));
        var before = await s.Meter.Audit();

        await PostalDatabase.DeleteMeterRowAsync(s.MeterId);
        await Reload(s.Meter);
        var replayed = Ok(await s.PrintAsync(250, key));
        Assert.Equal(printed.Indicium!.Signature, replayed.Indicium!.Signature);
        var after = await s.Meter.Audit();
        Assert.Equal(before.Registers, after.Registers);
        Assert.Equal(before.CertificateSerial, after.CertificateSerial);
        Assert.Equal(before.LicensingZip, after.LicensingZip);
        Assert.Equal(await s.Meter.Certificate(), (await Grains.GetGrain<IMeterCertificateGrain>(before.CertificateSerial!).Get())!.Certificate);
    }

    [Fact]
    public async Task A_row_restored_from_too_long_ago_with_no_log_to_bridge_it_is_inhibited()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        Ok(await s.PrintAsync(100));
        var ancient = await PostalDatabase.ReadMeterRowAsync(s.MeterId);
        for (var i = 0; i < 4; i++) Ok(await s.PrintAsync(100));
        Assert.True(await LogDatabase.ForgetAsync(s.MeterId) >= 8);

        await PostalDatabase.WriteMeterRowAsync(s.MeterId, ancient);
        await Reload(s.Meter);
        var refused = await s.PrintAsync(100);
        Assert.Equal(ErrorCode.MeterInhibited, refused.Error);
        Assert.Contains("matches none", refused.Message);
        Assert.Equal(ErrorCode.MeterInhibited, (await s.Meter.Execute(Key(), new PostageValueDownloadCommand(100, "p"))).Error);
        Assert.NotNull((await s.Meter.Audit()).InhibitReason);
    }

    [Fact]
    public async Task Two_meters_packages_swapped_in_postgresql_inhibit_both_with_a_clear_error()
    {
        var a = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        var b = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        Ok(await a.PrintAsync(100));
        var rowA = await PostalDatabase.ReadMeterRowAsync(a.MeterId);
        var rowB = await PostalDatabase.ReadMeterRowAsync(b.MeterId);
        await PostalDatabase.WriteMeterRowAsync(a.MeterId, rowB);
        await PostalDatabase.WriteMeterRowAsync(b.MeterId, rowA);
        await Reload(a.Meter);
        await Reload(b.Meter);

        foreach (var s in new[] { a, b })
        {
            var result = await s.PrintAsync(100);
            Assert.Equal(ErrorCode.MeterInhibited, result.Error);
            Assert.Contains(s.MeterId, result.Message);
        }
    }

    [Fact]
    public async Task One_flipped_byte_of_a_package_inhibits_the_meter()
    {
        foreach (var index in new[] { 40, 150, 300, 9_999 })
        {
            var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
            Ok(await s.PrintAsync(100));
            var row = await PostalDatabase.ReadMeterRowAsync(s.MeterId);
            await PostalDatabase.WriteMeterRowAsync(s.MeterId, PostalDatabase.FlipPackageByte(row, index));
            await Reload(s.Meter);

            var result = await s.PrintAsync(100);
            Assert.Equal(ErrorCode.MeterInhibited, result.Error);
            Assert.Matches("fails its authentication|malformed|disagree|does not unwrap|holds meter|package format|truncated", result.Message);
        }
    }

    [Fact]
    public async Task An_operator_recovery_rebuilds_a_swapped_row_from_the_log_with_its_exact_registers_and_refuses_when_the_log_cannot()
    {
        var a = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        var b = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        var printed = Ok(await a.PrintAsync(123));
        var before = await a.Meter.Audit();
        await PostalDatabase.WriteMeterRowAsync(a.MeterId, await PostalDatabase.ReadMeterRowAsync(b.MeterId));
        await Reload(a.Meter);

        // The alert's metric, by reason: once for the meter, however often it is asked again.
        var inhibits = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument is { Name: "vbi.meters.inhibited", Meter.Name: "VbiOrleans" }) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "reason" && tag.Value is "CheckpointOfAnotherMeter") inhibits.Enqueue($"{tag.Value} {value}");
        });
        listener.Start();
        Assert.Equal(ErrorCode.MeterInhibited, (await a.PrintAsync(100)).Error);
        Assert.Equal(ErrorCode.MeterInhibited, (await a.PrintAsync(100)).Error);
        Assert.True((await a.Meter.Snapshot())!.IsInhibited);
        Assert.Equal(["CheckpointOfAnotherMeter 1"], inhibits);
        var inhibited = await a.Meter.Audit();
        Assert.Equal("Inhibited", inhibited.State);
        Assert.Null(inhibited.Registers);
        Assert.Null(inhibited.LicensingZip);
        Assert.StartsWith("CheckpointOfAnotherMeter", inhibited.InhibitReason);

        var recovered = Ok(await a.Meter.Recover("alice", "postal row swapped; rebuilt from the log"));
        Assert.Equal(printed.Registers, recovered.Registers);
        var after = await a.Meter.Audit();
        Assert.Equal(before.Registers, after.Registers);
        Assert.Equal(before.LicensingZip, after.LicensingZip);
        Assert.Equal(before.CertificateSerial, after.CertificateSerial);
        Assert.Null(after.InhibitReason);
        Assert.Contains(after.ModuleAudit, e => e.Contains("recovered from the log") && e.Contains("alice"));
        // The refunds and keys come back too: the print's key answers its own result, the print refunds once.
        Ok(await a.Meter.Execute(Key(), new RefundCommand(printed.Indicium!.IndiciumId)));
        Assert.Equal(ErrorCode.IndiciumAlreadyRefunded, (await a.Meter.Execute(Key(), new RefundCommand(printed.Indicium.IndiciumId))).Error);
        Ok(await a.PrintAsync(100));

        // A meter whose log is gone cannot be rebuilt: refused by name, and nothing changes.
        var c = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        await PostalDatabase.WriteMeterRowAsync(c.MeterId, await PostalDatabase.ReadMeterRowAsync(b.MeterId));
        await Reload(c.Meter);
        Assert.Equal(ErrorCode.MeterInhibited, (await c.PrintAsync(100)).Error);
        Assert.True(await LogDatabase.ForgetAsync(c.MeterId) > 0);
        var rowBefore = await PostalDatabase.ReadMeterRowAsync(c.MeterId);
        var refused = await c.Meter.Recover("alice", "try");
        Assert.Equal(ErrorCode.LogCannotBridge, refused.Error);
        Assert.Equal(rowBefore, await PostalDatabase.ReadMeterRowAsync(c.MeterId));
        Assert.Equal("Inhibited", (await c.Meter.Audit()).State);
    }
}
