using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Modules;

namespace VbiOrleans.Grains.Modules;

[GenerateSerializer]
public sealed class PostalCaState
{
    [Id(0)] public byte[]? Certificate { get; set; }
}

/// <summary>
/// The postal CA's certificate, made once with the CA key in the HSM and kept in the postal store, so every silo
/// issues meter certificates under the same CA certificate.
/// </summary>
public sealed class PostalCaGrain(
    [PersistentState(stateName: "postalCa", storageName: StorageNames.Postal)] IPersistentState<PostalCaState> state,
    ModuleCrypto crypto,
    TimeProvider clock) : Grain, IPostalCaGrain
{
    public async Task<byte[]> Certificate()
    {
        if (state.State.Certificate is { } existing) return existing;
        state.State.Certificate = await crypto.CreateCaCertificateAsync(clock.GetUtcNow());
        await state.WriteStateAsync();
        return state.State.Certificate;
    }
}
