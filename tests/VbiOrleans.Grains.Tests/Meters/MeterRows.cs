using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Serialization;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Meters;
using VbiOrleans.Grains.Tests.Fixtures;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>A meter's row in the postal database as the silos wrote it, read and written with the cluster's own codecs.</summary>
public sealed class MeterRows(PostgresClusterFixture fixture)
{
    /// <summary>The serializer of the cluster's client: the same codecs as the silos', which write the meter rows.</summary>
    public Serializer Serializer => fixture.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();

    public async Task<MeterGrainState> ReadAsync(string meterId) => Serializer.Deserialize<MeterGrainState>(await PostalDatabase.ReadMeterRowAsync(meterId))!;

    public Task WriteAsync(string meterId, MeterGrainState row) => PostalDatabase.WriteMeterRowAsync(meterId, Serializer.SerializeToArray(row));

    /// <summary>Deactivates the meter, so its next call reads the row again.</summary>
    public static async Task Reload(IMeterGrain meter)
    {
        await meter.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(300);
    }
}
