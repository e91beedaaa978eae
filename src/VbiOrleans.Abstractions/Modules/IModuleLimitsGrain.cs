using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Abstractions.Modules;

/// <summary>The PSD limits the crypto modules enforce (key 0), as configured on the silos; what indicium verification checks against.</summary>
public interface IModuleLimitsGrain : IGrainWithIntegerKey
{
    Task<ModuleLimits> Limits();
}

[GenerateSerializer, Immutable]
public sealed record ModuleLimits(
    [property: Id(0)] long MaxPostageValueDownloadMills,
    [property: Id(1)] long DescendingRegisterCeilingMills,
    [property: Id(2)] long MaxPostagePerPieceMills,
    [property: Id(3)] int RefundWindowDays)
{
    public MeterLimits ToMeterLimits() => new(new Mills(MaxPostageValueDownloadMills), new Mills(DescendingRegisterCeilingMills),
        new Mills(MaxPostagePerPieceMills), TimeSpan.FromDays(RefundWindowDays));
}
