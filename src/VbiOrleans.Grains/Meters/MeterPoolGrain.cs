using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Modules;

namespace VbiOrleans.Grains.Meters;

[GenerateSerializer]
public sealed class MeterPoolState
{
    [Id(0)] public List<string> Ready { get; set; } = [];
    [Id(1)] public long Provisioned { get; set; }
    [Id(2)] public long Taken { get; set; }
}

/// <summary>
/// Keeps <see cref="ModuleOptions.PoolTarget"/> provisioned meters ready. A meter enters the pool only after its
/// provisioning is durable in both stores; a crash mid-refill leaves at worst a provisioned meter nobody lists.
/// </summary>
public sealed class MeterPoolGrain(
    [PersistentState(stateName: "meterPool", storageName: StorageNames.Postal)] IPersistentState<MeterPoolState> pool,
    IOptions<ModuleOptions> options,
    ILogger<MeterPoolGrain> logger) : Grain, IMeterPoolGrain
{
    private Task? _refill;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(() => { StartRefill(); return Task.CompletedTask; },
            new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task<string> Take()
    {
        string meterId;
        if (pool.State.Ready.Count > 0)
        {
            meterId = pool.State.Ready[0];
            pool.State.Ready.RemoveAt(0);
        }
        else
        {
            logger.LogWarning("The meter pool is empty; provisioning a meter while the caller waits");
            meterId = await ProvisionOneAsync();
        }
        pool.State.Taken++;
        await pool.WriteStateAsync();
        StartRefill();
        return meterId;
    }

    public Task<MeterPoolStatus> Status() =>
        Task.FromResult(new MeterPoolStatus(pool.State.Ready.Count, options.Value.PoolTarget, pool.State.Provisioned, pool.State.Taken));

    private void StartRefill()
    {
        if (_refill is { IsCompleted: false } || pool.State.Ready.Count >= options.Value.PoolTarget) return;
        _refill = RefillAsync();
    }

    // Runs on the grain's scheduler between other calls; each provisioned meter is saved before the next is made.
    private async Task RefillAsync()
    {
        try
        {
            while (pool.State.Ready.Count < options.Value.PoolTarget)
            {
                var meterId = await ProvisionOneAsync();
                pool.State.Ready.Add(meterId);
                await pool.WriteStateAsync();
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Refilling the meter pool failed; the next timer tick retries");
        }
    }

    private async Task<string> ProvisionOneAsync()
    {
        var meterId = Domain.Meters.MeterId.New().Value;
        var result = await GrainFactory.GetGrain<IMeterGrain>(meterId).Provision();
        if (!result.IsSuccess) throw new InvalidOperationException($"provisioning {meterId} failed: {result.Error} {result.Message}");
        pool.State.Provisioned++;
        return meterId;
    }
}
