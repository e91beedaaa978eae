using VbiOrleans.Hsm.KeyVault;

namespace VbiOrleans.Hsm.Tests.KeyVault;

/// <summary>The contract, against the local fake of the Managed HSM keys REST API.</summary>
public sealed class KeyVaultHsmContractTests(FakeKeyVault vault) : HsmContractTests, IClassFixture<FakeKeyVault>
{
    protected override IHsm CreateHsm() => new KeyVaultHsm(vault.ClientOptions(), new StaticTokenCredential(FakeKeyVault.Token));
}
