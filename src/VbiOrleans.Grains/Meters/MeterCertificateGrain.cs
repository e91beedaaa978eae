using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Grains.Meters;

[GenerateSerializer]
public sealed class MeterCertificateState
{
    [Id(0)] public string? MeterId { get; set; }
    [Id(1)] public byte[]? Certificate { get; set; }
}

/// <summary>One published meter certificate, kept in the postal store under its serial.</summary>
public sealed class MeterCertificateGrain(
    [PersistentState(stateName: "meterCertificate", storageName: StorageNames.Postal)] IPersistentState<MeterCertificateState> state)
    : Grain, IMeterCertificateGrain
{
    public async Task Register(string meterId, byte[] certificate)
    {
        if (state.State.Certificate is { } existing)
        {
            if (state.State.MeterId == meterId && existing.AsSpan().SequenceEqual(certificate)) return;
            throw new InvalidOperationException($"certificate serial {this.GetPrimaryKeyString()} is already published for meter {state.State.MeterId}");
        }
        state.State.MeterId = meterId;
        state.State.Certificate = certificate;
        await state.WriteStateAsync();
    }

    public Task<MeterCertificate?> Get() => Task.FromResult(
        state.State is { MeterId: { } meterId, Certificate: { } certificate } ? new MeterCertificate(meterId, certificate) : null);
}
