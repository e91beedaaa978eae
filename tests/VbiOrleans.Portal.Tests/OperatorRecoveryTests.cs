using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using Orleans.Core.Internal;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// I5 detection and the operator's recovery, in the portal: a meter's postal row edited by hand (one bit of its sealed
/// package, as tests/VbiOrleans.Host.Tests/Recovery/TamperedRowTests does), read again by the meter, is inhibited on the
/// customer's next signed print, which stops the system (the portal host's threshold is 0); the operator resumes it,
/// finds the meter among the inhibited meters, reads its audit, recovers it from the log with a reason, and the customer
/// prints again with the registers the meter had.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class OperatorRecoveryTests(PortalFixture portal)
{
    [Fact]
    public async Task An_operator_recovers_an_inhibited_meter_through_the_portal()
    {
        using var customer = await portal.SdkCustomerWithMeterAsync(10_000);
        var print = new PrintOrder(100, "94105", "FIRST-CLASS");
        await customer.Session.PrintAsync(print);
        var before = await customer.Client.GetMeterAsync(customer.MeterId);

        // The edit: one bit of the sealed package in the postal store, then the meter's activation ends so that its next
        // command reads the row from the store (a restart would do the same, for every grain of the host).
        var row = (await LocalServices.ScalarAsync<byte[]>(portal.Database,
            "SELECT PayloadBinary FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id", ("id", customer.MeterId)))!;
        var start = row.AsSpan().IndexOf("VPSD"u8);
        Assert.True(start >= 0, "no sealed package in the meter row");
        row[start + 200] ^= 0x10;
        using (var cluster = await ClusterClients.ConnectAsync(LocalServices.ConnectionString(portal.Database), portal.ClusterId))
        {
            var grains = cluster.Services.GetRequiredService<IClusterClient>();
            Assert.Equal(1, await LocalServices.ScalarAsync<long>(portal.Database,
                "WITH u AS (UPDATE OrleansStorage SET PayloadBinary = @p WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id RETURNING 1) SELECT count(*) FROM u",
                ("p", row), ("id", customer.MeterId)));
            await grains.GetGrain<IMeterGrain>(customer.MeterId).Cast<IGrainManagementExtension>().DeactivateOnIdle();
            await cluster.StopAsync();
        }
        var refused = await Assert.ThrowsAsync<VbiApiException>(() => customer.Session.PrintAsync(print));
        Assert.Equal("MeterInhibited", refused.Code);

        // The portal's host stops PVD and printing at the first inhibit (its threshold is 0): the operator resumes them.
        var page = await portal.OperatorAsync();
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "System stop" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("Stopped");
        await PortalFixture.CheckAsync(page, "39-operator-system-stopped");
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume the system" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Resumed");
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("Running");
        await PortalFixture.CheckAsync(page, "43-operator-system");

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Inhibited meters" }).ClickAsync();
        var inhibitedRow = page.GetByRole(AriaRole.Row).Filter(new() { HasText = customer.MeterId });
        await Assertions.Expect(inhibitedRow).ToContainTextAsync("PackageTampered");
        await PortalFixture.CheckAsync(page, "40-operator-inhibited-one");

        await inhibitedRow.GetByRole(AriaRole.Link, new() { Name = customer.MeterId }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Meter " + customer.MeterId })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("PackageTampered");
        await Assertions.Expect(page.Locator("ol.audit")).ToContainTextAsync("inhibited: PackageTampered");
        // An inhibited meter's audit shows module memory's checkpoints, never its postal row's.
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Module memory" })).Not.ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Postal store" })).ToHaveCountAsync(0);
        await PortalFixture.CheckAsync(page, "41-operator-meter-inhibited");

        // No reason: refused by the form, nothing recovered.
        await page.GetByRole(AriaRole.Button, new() { Name = "Recover the meter" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Give the reason for the audit log.")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("PackageTampered");

        await page.GetByLabel("Reason").FillAsync("postal row edited; rebuilt from the log (portal test)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Recover the meter" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Recovered");
        await Assertions.Expect(page.Locator("dl.registers")).ToContainTextAsync("not inhibited");
        await Assertions.Expect(page.Locator("ol.audit")).ToContainTextAsync("by operator " + HostEnvironment.OperatorName);
        await PortalFixture.CheckAsync(page, "42-operator-meter-recovered");

        // The registers the meter had (I1, I2), and the customer's session prints again.
        var after = await customer.Client.GetMeterAsync(customer.MeterId);
        Assert.Equal((before.AscendingMills, before.DescendingMills, before.Sequence, "Operational"), (after.AscendingMills, after.DescendingMills, after.Sequence, after.State));
        var printed = await customer.Session.PrintAsync(print);
        Assert.Equal(before.AscendingMills + 100, printed.Meter.AscendingMills);

        // The meter pages find a meter by its id, and the recovery is in the operator audit log by name.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Meters", Exact = true }).ClickAsync();
        await PortalFixture.CheckAsync(page, "44-operator-meters");
        await page.GetByLabel("Meter id").FillAsync(customer.MeterId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit the meter" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/operator/meters/{customer.MeterId}$"));
        using var api = portal.Operator();
        var entries = await api.GetOperatorAuditAsync();
        Assert.Contains(entries, e => e.Operator == HostEnvironment.OperatorName && e.Method == "POST" && e.Path == $"/operator/meters/{customer.MeterId}" && e.Status == 200);
        Assert.Contains(entries, e => e.Operator == HostEnvironment.OperatorName && e.Method == "POST" && e.Path == "/operator/system" && e.Status == 200);
    }
}
