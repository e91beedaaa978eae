using VbiOrleans.Hsm.Pkcs11;
using VbiOrleans.Testing;

namespace VbiOrleans.Hsm.Tests.Pkcs11;

/// <summary>
/// The SoftHSM2 token infra/local/services.sh initialises. Its environment is required: without it these tests fail
/// with the command to run, they never skip.
/// </summary>
internal static class SoftHsmToken
{
    public static Pkcs11HsmOptions Options(int maxSessions = 8)
    {
        // The module reads its token directory from SOFTHSM2_CONF; without it, it finds no token at all.
        LocalServices.Require("SOFTHSM2_CONF");
        var pin = File.ReadAllText(LocalServices.Require("VBI_SOFTHSM_PIN_FILE")).Trim();
        return new Pkcs11HsmOptions(LocalServices.Require("VBI_SOFTHSM_MODULE"), LocalServices.Require("VBI_SOFTHSM_TOKEN"), pin)
        {
            MaxSessions = maxSessions,
        };
    }
}

/// <summary>
/// Passes every call to a <see cref="Pkcs11Hsm"/> and remembers the labels it generated, so a test can destroy its
/// keys afterwards instead of leaving them on the shared token.
/// </summary>
internal sealed class LabelRecordingHsm(Pkcs11Hsm inner) : IHsm
{
    private readonly List<string> _labels = [];

    public string Name => inner.Name;

    public async Task<HsmKey> GenerateKeyAsync(string label, HsmKeyKind kind, CancellationToken cancellationToken = default)
    {
        var key = await inner.GenerateKeyAsync(label, kind, cancellationToken);
        lock (_labels) _labels.Add(label);
        return key;
    }

    public Task<HsmKey?> FindKeyAsync(string label, CancellationToken cancellationToken = default) => inner.FindKeyAsync(label, cancellationToken);

    public Task<byte[]> SignDigestAsync(HsmKey key, ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken = default) =>
        inner.SignDigestAsync(key, sha256Digest, cancellationToken);

    public Task<byte[]> WrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> keyMaterial, CancellationToken cancellationToken = default) =>
        inner.WrapAsync(wrappingKey, keyMaterial, cancellationToken);

    public Task<byte[]> UnwrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> wrapped, CancellationToken cancellationToken = default) =>
        inner.UnwrapAsync(wrappingKey, wrapped, cancellationToken);

    public Task<byte[]> MacAsync(HsmKey macKey, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        inner.MacAsync(macKey, data, cancellationToken);

    public async Task DestroyGeneratedKeysAndDisposeAsync()
    {
        string[] labels;
        lock (_labels) labels = [.. _labels];
        foreach (var label in labels) await inner.DestroyKeyAsync(label);
        await inner.DisposeAsync();
    }
}
