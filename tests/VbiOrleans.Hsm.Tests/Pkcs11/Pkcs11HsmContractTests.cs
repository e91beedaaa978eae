using VbiOrleans.Hsm.Pkcs11;

namespace VbiOrleans.Hsm.Tests.Pkcs11;

/// <summary>The contract, against the real SoftHSM2 token of the local services.</summary>
public sealed class Pkcs11HsmContractTests : HsmContractTests, IAsyncLifetime
{
    private readonly List<LabelRecordingHsm> _created = [];

    protected override IHsm CreateHsm()
    {
        var hsm = new LabelRecordingHsm(new Pkcs11Hsm(SoftHsmToken.Options()));
        _created.Add(hsm);
        return hsm;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var hsm in _created) await hsm.DestroyGeneratedKeysAndDisposeAsync();
    }
}
