using Orleans.Concurrency;
using VbiOrleans.Abstractions.Modules;

namespace VbiOrleans.Grains.Modules;

/// <summary>Answers the module identity public key from this silo's HSM (see <see cref="IModuleIdentityGrain"/>).</summary>
[StatelessWorker]
public sealed class ModuleIdentityGrain(ModuleCrypto crypto) : Grain, IModuleIdentityGrain
{
    public async Task<byte[]> PublicKey()
    {
        await crypto.PrepareKeysAsync();
        var key = await crypto.Hsm.FindKeyAsync(ModuleCrypto.IdentityKeyLabel);
        return key?.PublicKey ?? throw new InvalidOperationException("the HSM holds no module identity public key");
    }
}
