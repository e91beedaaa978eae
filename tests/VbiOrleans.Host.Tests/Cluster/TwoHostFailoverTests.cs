using System.Net;
using System.Text.Json;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Cluster;

/// <summary>
/// Two real host processes in the Cluster profile on the local PostgreSQL. Data written through the first is read
/// through the second after the first is SIGKILLed, and the membership table records the first as dead.
/// </summary>
[Trait("Services", "PostgreSQL+Azurite")]
public sealed class TwoHostFailoverTests
{
    [Fact]
    public async Task Data_written_through_a_killed_host_is_served_by_the_other_and_the_dead_silo_is_declared_dead()
    {
        var clusterId = "failover-" + Guid.NewGuid().ToString("N")[..8];
        var envA = HostEnvironment.Cluster(clusterId);
        var envB = HostEnvironment.Cluster(clusterId);
        // The shared databases may not have every script yet (the schema grows); both hosts apply it under the lock.
        envA["Vbi__Database__InitializeOnStart"] = envB["Vbi__Database__InitializeOnStart"] = "true";
        await using var a = HostProcess.Start(envA);
        await using var b = HostProcess.Start(envB);
        await Task.WhenAll(a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));

        using var httpA = OperatorHttp.Client(a.BaseAddress);
        using var httpB = OperatorHttp.Client(b.BaseAddress);
        var serials = Enumerable.Range(0, 12).Select(i => $"FO{Random.Shared.Next(100_000, 999_999)}{i:D2}").ToList();
        var written = new Dictionary<string, JsonElement>();
        foreach (var serial in serials)
        {
            using var response = await httpA.RegisterAsync(serial, $"label of {serial}");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            written[serial] = await response.JsonAsync();
        }

        var siloPortA = int.Parse(envA["Vbi__Cluster__SiloPort"]!);
        a.KillHard();
        Assert.True(a.HasExited);

        // Every row, read through the survivor, is the row the killed host acknowledged.
        var rows = await EventuallyAsync(async () =>
        {
            using var response = await httpB.GetAsync("/v1/operator/modules");
            response.EnsureSuccessStatusCode();
            var list = (await response.JsonAsync()).EnumerateArray().ToList();
            return serials.All(s => list.Any(r => r.GetProperty("serial").GetString() == s)) ? list : null;
        }, TimeSpan.FromSeconds(90));
        foreach (var serial in serials)
        {
            var row = rows.Single(r => r.GetProperty("serial").GetString() == serial);
            Assert.Equal(written[serial].GetProperty("label").GetString(), row.GetProperty("label").GetString());
            Assert.Equal(written[serial].GetProperty("registeredAt").GetDateTimeOffset(), row.GetProperty("registeredAt").GetDateTimeOffset());
        }

        // The membership table shows the killed silo as Dead (status 6) and the survivor as Active (3).
        var statuses = await EventuallyAsync(async () =>
        {
            var table = await LocalServices.RowsAsync("vbi_membership",
                "SELECT Port, Status FROM OrleansMembershipTable WHERE DeploymentId = @id", ("id", clusterId));
            return table.Any(r => (int)r[0]! == siloPortA && (int)r[1]! == 6) ? table : null;
        }, TimeSpan.FromSeconds(90));
        Assert.Contains(statuses, r => (int)r[0]! == int.Parse(envB["Vbi__Cluster__SiloPort"]!) && (int)r[1]! == 3);

        // Structured logs name stores as host:port/database and never carry the database password or the operator key.
        var password = new Npgsql.NpgsqlConnectionStringBuilder(LocalServices.PostgresBase).Password!;
        foreach (var line in a.Output.Concat(a.Errors).Concat(b.Output).Concat(b.Errors))
        {
            Assert.DoesNotContain(password, line);
            Assert.DoesNotContain(HostEnvironment.OperatorKey, line);
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan timeout) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value) return value;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e;
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"condition not met within {timeout}", last);
    }
}
