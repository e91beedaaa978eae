using Orleans.Concurrency;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Protocol.Versions;

namespace VbiOrleans.Grains.Modules;

/// <summary>Answers the module identity public key, and signs the client versions statement, from this silo's HSM (see <see cref="IModuleIdentityGrain"/>).</summary>
[StatelessWorker]
public sealed class ModuleIdentityGrain(ModuleCrypto crypto) : Grain, IModuleIdentityGrain
{
    public async Task<byte[]> PublicKey()
    {
        await crypto.PrepareKeysAsync();
        var key = await crypto.Hsm.FindKeyAsync(ModuleCrypto.IdentityKeyLabel);
        return key?.PublicKey ?? throw new InvalidOperationException("the HSM holds no module identity public key");
    }

    public async Task<byte[]> SignClientVersions(string latest, string minimum, DateTimeOffset publishedAt)
    {
        var statement = new ClientVersionsStatement(ClientVersion.Parse(latest), ClientVersion.Parse(minimum), publishedAt);
        await crypto.PrepareKeysAsync();
        var key = await crypto.Hsm.FindKeyAsync(ModuleCrypto.IdentityKeyLabel)
            ?? throw new InvalidOperationException("the HSM holds no module identity key");
        return await crypto.Hsm.SignDigestAsync(key, statement.Digest());
    }
}
