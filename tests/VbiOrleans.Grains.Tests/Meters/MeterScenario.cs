using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>Drives one meter through its lifecycle with fresh idempotency keys.</summary>
public sealed class MeterScenario(IGrainFactory grains)
{
    public string MeterId { get; } = Domain.Meters.MeterId.New().Value;
    public IMeterGrain Meter => grains.GetGrain<IMeterGrain>(MeterId);

    public static string Key() => Guid.NewGuid().ToString("N");

    public async Task<MeterScenario> OperationalAsync(long fundMills = 0)
    {
        Ok(await Meter.Provision());
        Ok(await Meter.Execute(Key(), new LicenseCommand("10001")));
        Ok(await Meter.Execute(Key(), new ActivateCommand(new byte[32], new byte[48])));
        if (fundMills > 0) Ok(await Meter.Execute(Key(), new PostageValueDownloadCommand(fundMills, "pay-" + Key())));
        return this;
    }

    public Task<MeterResult> PrintAsync(long postage, string? key = null) =>
        Meter.Execute(key ?? Key(), new PrintCommand(new PrintRequest(postage, "94105", "FCM")));

    public static MeterResult Ok(MeterResult result)
    {
        Assert.True(result.IsSuccess, $"{result.Error}: {result.Message}");
        return result;
    }
}
