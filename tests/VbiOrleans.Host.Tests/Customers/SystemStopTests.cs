using System.Net.Http.Json;
using VbiOrleans.Admin;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// An operator stops PVD and printing by hand (the recovery matrix's last row, without waiting for the guard): a
/// customer's signed print through the SDK is refused 503 SystemStopped, changing nothing, until the operator resumes;
/// a stop of a stopped system changes nothing and says so; a stop without a reason is refused. Through the operator API
/// and <c>vbi-admin system</c>, over real HTTP to the customers' Cluster host.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class SystemStopTests(CustomerHostFixture host, ITestOutputHelper output)
{
    /// <summary>Each silo reads the guard at most a second late (SystemGuardView); this bounds the wait for a stop or a resume to reach the print path.</summary>
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_stopped_system_refuses_a_customers_signed_print_until_the_operator_resumes()
    {
        using var customer = await host.NewCustomerAsync(fundMills: 5_000);
        var print = new PrintOrder(100, "94105", "FIRST-CLASS");
        await customer.Session.PrintAsync(print);
        using var http = OperatorHttp.Client(host.BaseAddress);
        var reason = "suspected key compromise on a module (test " + Guid.NewGuid().ToString("N")[..8] + ")";

        // No reason, or one of several lines: refused by name, and nothing stops.
        foreach (var bad in new[] { "", "   ", "two\nlines" })
        {
            using var refused = await http.PostAsJsonAsync("/v1/operator/system/stop", new { reason = bad });
            Assert.Equal((400, "ValidationFailed"), ((int)refused.StatusCode, (await refused.JsonAsync()).GetProperty("code").GetString()));
        }
        Assert.False((await (await http.GetAsync("/v1/operator/system")).JsonAsync()).GetProperty("stopped").GetBoolean());

        try
        {
            // vbi-admin's stop, then the API's again: the second changes nothing and says so (the first reason stands).
            var (exit, stdout, stderr) = await AdminAsync("system", "stop", "--reason", reason);
            Assert.True(exit == 0, $"vbi-admin system stop exited {exit}: {stdout} {stderr}");
            Assert.Contains("alreadyStopped: False", stdout, StringComparison.Ordinal);
            using (var again = await http.PostAsJsonAsync("/v1/operator/system/stop", new { reason = "a second stop" }))
            {
                var body = await again.JsonAsync();
                Assert.Equal(200, (int)again.StatusCode);
                Assert.True(body.GetProperty("alreadyStopped").GetBoolean(), body.ToString());
                Assert.Equal((true, reason, HostEnvironment.OperatorName),
                    (body.GetProperty("stopped").GetBoolean(), body.GetProperty("reason").GetString(), body.GetProperty("stoppedBy").GetString()));
            }

            // The customer's signed print: refused by name, the registers as they were.
            var before = await customer.Client.GetMeterAsync(customer.MeterId);
            var (stopped, printedMeanwhile) = await RefusedAsync(customer, print);
            Assert.Equal((503, "SystemStopped"), (stopped.Status, stopped.Code));
            Assert.Contains(reason, stopped.Detail, StringComparison.Ordinal);
            var during = await customer.Client.GetMeterAsync(customer.MeterId);
            Assert.Equal((before.AscendingMills + 100 * printedMeanwhile, before.DescendingMills - 100 * printedMeanwhile),
                (during.AscendingMills, during.DescendingMills));

            // The alert: Critical under its stable event id, once (the second stop is a Warning), and both requests in the operator audit log.
            var alert = await WaitForLineAsync($"crit: VbiOrleans.Grains.Modules.SystemGuardGrain[1603] System stopped by operator {HostEnvironment.OperatorName}: {reason}");
            output.WriteLine(alert);
            Assert.Single(host.Host.Output, l => l.Contains("[1603] System stopped by operator", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
            var audit = await host.Operator.GetOperatorAuditAsync();
            Assert.Equal(2, audit.Count(e => e is { Method: "POST", Path: "/v1/operator/system/stop", Status: 200 } && e.Operator == HostEnvironment.OperatorName));

            (exit, stdout, stderr) = await AdminAsync("system", "resume");
            Assert.True(exit == 0, $"vbi-admin system resume exited {exit}: {stdout} {stderr}");
            Assert.Contains("stopped: False", stdout, StringComparison.Ordinal);
            var printed = await PrintedAsync(customer, print);
            Assert.Equal(during.AscendingMills + 100, printed.Meter.AscendingMills);
        }
        finally
        {
            // The host is shared with the other customer tests: never leave it stopped.
            await http.PostAsync("/v1/operator/system/resume", null);
        }
    }

    private Task<(int Exit, string Stdout, string Stderr)> AdminAsync(params string[] args) =>
        RunAdminAsync([.. args, "--server", host.BaseAddress.ToString(), "--operator", HostEnvironment.OperatorName]);

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAdminAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await AdminApp.RunAsync(args, stdout, stderr, name => name == AdminApp.OperatorKeyVariable ? HostEnvironment.OperatorKey : null);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// The print's refusal once the stop has reached the print path, and how many prints were printed before it did (in
    /// the second a silo may still hold the guard's earlier answer).
    /// </summary>
    private static async Task<(VbiApiException Refusal, int Printed)> RefusedAsync(Customer customer, PrintOrder print)
    {
        var deadline = DateTime.UtcNow + Propagation;
        for (var printed = 0; ; printed++)
        {
            try
            {
                await customer.Session.PrintAsync(print);
                Assert.True(DateTime.UtcNow < deadline, $"prints were still accepted {Propagation} after the stop");
            }
            catch (VbiApiException e)
            {
                return (e, printed);
            }
            await Task.Delay(100);
        }
    }

    private static async Task<TransactionResult> PrintedAsync(Customer customer, PrintOrder print)
    {
        var deadline = DateTime.UtcNow + Propagation;
        while (true)
        {
            try
            {
                return await customer.Session.PrintAsync(print);
            }
            catch (VbiApiException e) when (e.Code == "SystemStopped" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private async Task<string> WaitForLineAsync(string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            if (host.Host.Output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line) return line;
            Assert.True(DateTime.UtcNow < deadline, $"no line '{text}' in the host's output");
            await Task.Delay(50);
        }
    }
}
