using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using VbiOrleans.Abstractions.Modules;

namespace VbiOrleans.Grains.Modules;

/// <summary>Answers the limits from this silo's <see cref="ModuleOptions"/> (see <see cref="IModuleLimitsGrain"/>).</summary>
[StatelessWorker]
public sealed class ModuleLimitsGrain(IOptions<ModuleOptions> options) : Grain, IModuleLimitsGrain
{
    public Task<ModuleLimits> Limits()
    {
        var o = options.Value;
        return Task.FromResult(new ModuleLimits(o.MaxPostageValueDownloadMills, o.DescendingRegisterCeilingMills, o.MaxPostagePerPieceMills, o.RefundWindowDays));
    }
}
