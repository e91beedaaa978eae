using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Grains.Modules;

namespace VbiOrleans.Grains.Provider;

[GenerateSerializer]
public sealed class ProviderCertificateState
{
    [Id(0)] public byte[]? Certificate { get; set; }
}

/// <summary>The provider's certificate, issued once by the postal CA over the provider signing key and kept, so every silo publishes the same one.</summary>
public sealed class ProviderCertificateGrain(
    [PersistentState(stateName: "providerCertificate", storageName: StorageNames.Commerce)] IPersistentState<ProviderCertificateState> state,
    ModuleCrypto crypto,
    IOptions<ProviderOptions> options,
    TimeProvider clock) : Grain, IProviderCertificateGrain
{
    public async Task<byte[]> Certificate()
    {
        if (state.State.Certificate is { } existing) return existing;
        var ca = await GrainFactory.GetGrain<IPostalCaGrain>(0).Certificate();
        state.State.Certificate = await crypto.IssueProviderCertificateAsync(options.Value.ProviderId, ca, clock.GetUtcNow());
        await state.WriteStateAsync();
        return state.State.Certificate;
    }
}
