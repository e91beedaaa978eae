using System.Security.Cryptography;
using VbiOrleans.Hsm;

namespace VbiOrleans.Hsm.Tests;

/// <summary>
/// The contract every <see cref="IHsm"/> implementation passes. The PSD issue adds the PKCS#11 (SoftHSM2) and
/// Key Vault implementations as further subclasses of this class.
/// </summary>
public abstract class HsmContractTests
{
    protected abstract IHsm CreateHsm();

    private static string Label() => "test-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Signatures_are_raw_r_s_and_verify_with_the_public_key()
    {
        var hsm = CreateHsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.EcP256Signing);
        var message = RandomNumberGenerator.GetBytes(100);
        var signature = await hsm.SignDigestAsync(key, SHA256.HashData(message));

        Assert.Equal(64, signature.Length);
        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(key.PublicKey, out _);
        Assert.True(verifier.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        message[0] ^= 1;
        Assert.False(verifier.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public async Task A_digest_that_is_not_32_bytes_is_refused()
    {
        var hsm = CreateHsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.EcP256Signing);
        await Assert.ThrowsAsync<HsmException>(() => hsm.SignDigestAsync(key, new byte[20]));
    }

    [Fact]
    public async Task Wrapped_keys_unwrap_to_the_same_bytes_and_tampering_is_detected()
    {
        var hsm = CreateHsm();
        var master = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var wrapped = await hsm.WrapAsync(master, dataKey);
        Assert.DoesNotContain(Convert.ToHexString(dataKey), Convert.ToHexString(wrapped));
        Assert.Equal(dataKey, await hsm.UnwrapAsync(master, wrapped));

        wrapped[^1] ^= 0x80;
        await Assert.ThrowsAsync<HsmException>(() => hsm.UnwrapAsync(master, wrapped));
    }

    [Fact]
    public async Task A_blob_wrapped_under_one_key_does_not_unwrap_under_another()
    {
        var hsm = CreateHsm();
        var first = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var second = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var wrapped = await hsm.WrapAsync(first, RandomNumberGenerator.GetBytes(32));
        await Assert.ThrowsAsync<HsmException>(() => hsm.UnwrapAsync(second, wrapped));
    }

    [Fact]
    public async Task Macs_are_deterministic_per_key_and_differ_between_keys()
    {
        var hsm = CreateHsm();
        var a = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.HmacSha256);
        var b = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.HmacSha256);
        var data = RandomNumberGenerator.GetBytes(64);
        var macA = await hsm.MacAsync(a, data);
        Assert.Equal(32, macA.Length);
        Assert.Equal(macA, await hsm.MacAsync(a, data));
        Assert.NotEqual(macA, await hsm.MacAsync(b, data));
    }

    [Fact]
    public async Task Keys_are_found_by_label_and_labels_are_unique()
    {
        var hsm = CreateHsm();
        var label = Label();
        Assert.Null(await hsm.FindKeyAsync(label));
        var key = await hsm.GenerateKeyAsync(label, HsmKeyKind.EcP256Signing);
        var found = await hsm.FindKeyAsync(label);
        Assert.NotNull(found);
        Assert.Equal(HsmKeyKind.EcP256Signing, found.Kind);
        Assert.Equal(key.PublicKey, found.PublicKey);
        await Assert.ThrowsAsync<HsmException>(() => hsm.GenerateKeyAsync(label, HsmKeyKind.HmacSha256));
    }

    [Fact]
    public async Task A_key_is_used_only_for_its_kind()
    {
        var hsm = CreateHsm();
        var mac = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.HmacSha256);
        await Assert.ThrowsAsync<HsmException>(() => hsm.WrapAsync(mac, new byte[32]));
        await Assert.ThrowsAsync<HsmException>(() => hsm.SignDigestAsync(mac, new byte[32]));
    }
}

public sealed class InMemoryHsmContractTests : HsmContractTests
{
    protected override IHsm CreateHsm() => new InMemoryHsm();
}
