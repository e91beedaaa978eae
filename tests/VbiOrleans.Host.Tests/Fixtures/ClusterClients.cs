using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Host.Tests.Fixtures;

/// <summary>
/// Orleans clients on a Cluster-profile host process, through its ADO.NET membership table, and meters brought to
/// life through them (customer sign-up over HTTP is a different journey, tested on its own).
/// </summary>
public static class ClusterClients
{
    /// <summary>A started client of the cluster whose membership table is at <paramref name="membership"/>; dispose it to leave.</summary>
    public static async Task<IHost> ConnectAsync(string membership, string clusterId, string? serviceId = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = membership;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId ?? clusterId;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary><paramref name="count"/> meters provisioned, licensed, activated and funded, four at a time, through a client that is stopped after.</summary>
    public static async Task<IReadOnlyList<string>> FundedMetersAsync(string membership, string clusterId, int count, long fundMills)
    {
        using var client = await ConnectAsync(membership, clusterId);
        try
        {
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var meters = new string[count];
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 },
                async (i, _) => meters[i] = await FundedMeterAsync(grains, fundMills));
            return meters;
        }
        finally
        {
            await client.StopAsync();
        }
    }

    /// <summary>One new meter: provisioned, licensed at 10001, activated, and funded with one postage value download.</summary>
    public static async Task<string> FundedMeterAsync(IGrainFactory grains, long fundMills)
    {
        var meterId = Domain.Meters.MeterId.New().Value;
        var meter = grains.GetGrain<IMeterGrain>(meterId);
        Ok(await meter.Provision());
        Ok(await meter.Execute(Key(), new LicenseCommand("10001")));
        Ok(await meter.Execute(Key(), new ActivateCommand(new byte[32], new byte[48])));
        Ok(await meter.Execute(Key(), new PostageValueDownloadCommand(fundMills, "pay-" + Key())));
        return meterId;
    }

    public static string Key() => Guid.NewGuid().ToString("N");

    public static MeterResult Ok(MeterResult result)
    {
        Assert.True(result.IsSuccess, $"{result.Error}: {result.Message}");
        return result;
    }
}
