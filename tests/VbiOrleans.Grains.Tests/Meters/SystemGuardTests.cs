using Orleans.Core.Internal;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>More verification failures than the threshold stop PVD and printing everywhere until an operator resumes.</summary>
public sealed class SystemGuardTests(GuardClusterFixture fixture) : IClassFixture<GuardClusterFixture>
{
    [Fact]
    public async Task Too_many_inhibits_stop_pvd_and_printing_system_wide_until_an_operator_resumes()
    {
        var grains = fixture.Cluster.Client;
        var healthy = await new MeterScenario(grains).OperationalAsync(fundMills: 10_000);
        var a = await new MeterScenario(grains).OperationalAsync(fundMills: 10_000);
        var b = await new MeterScenario(grains).OperationalAsync(fundMills: 10_000);
        var rowA = await PostalDatabase.ReadMeterRowAsync(a.MeterId);
        await PostalDatabase.WriteMeterRowAsync(a.MeterId, await PostalDatabase.ReadMeterRowAsync(b.MeterId));
        await PostalDatabase.WriteMeterRowAsync(b.MeterId, rowA);
        foreach (var m in new[] { a, b })
        {
            await m.Meter.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        }
        await Task.Delay(300);
        Assert.Equal(ErrorCode.MeterInhibited, (await a.PrintAsync(100)).Error);
        Assert.Equal(ErrorCode.MeterInhibited, (await b.PrintAsync(100)).Error);

        var guard = grains.GetGrain<ISystemGuardGrain>(0);
        var status = await guard.Status();
        Assert.True(status.Stopped);
        Assert.Equal(2, status.FailuresInWindow);

        // Within about a second every silo's view stops printing and PVD on every meter; audits still answer.
        await Task.Delay(1_200);
        Assert.Equal(ErrorCode.SystemStopped, (await healthy.PrintAsync(100)).Error);
        Assert.Equal(ErrorCode.SystemStopped, (await healthy.Meter.Execute(Key(), new PostageValueDownloadCommand(100, "p"))).Error);
        Assert.Equal(10_000, (await healthy.Meter.Audit()).Registers!.DescendingMills);

        Assert.False((await guard.Resume("alice")).Stopped);
        await Task.Delay(1_200);
        Ok(await healthy.PrintAsync(100));
    }

    [Fact]
    public async Task The_pool_keeps_provisioned_meters_ready_and_take_hands_out_one()
    {
        var pool = fixture.Cluster.Client.GetGrain<IMeterPoolGrain>(0);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await pool.Status()).Ready < 4 && DateTime.UtcNow < deadline) await Task.Delay(250);
        Assert.Equal(4, (await pool.Status()).Ready);

        var meterId = await pool.Take();
        var audit = await fixture.Cluster.Client.GetGrain<IMeterGrain>(meterId).Audit();
        Assert.Equal("Provisioned", audit.Registers!.State);
        Assert.NotNull(audit.CertificateSerial);
        Assert.Equal(0, audit.PostalCheckpoint!.Sequence);

        while ((await pool.Status()).Ready < 4 && DateTime.UtcNow < deadline) await Task.Delay(250);
        var status = await pool.Status();
        Assert.Equal(4, status.Ready);
        Assert.True(status.Provisioned >= 5);
        Assert.NotEqual(meterId, await pool.Take());
    }
}
