using System.Security.Cryptography;
using VbiOrleans.Hsm.Pkcs11;

namespace VbiOrleans.Hsm.Tests.Pkcs11;

/// <summary>PKCS#11 behaviour beyond the contract, on the real SoftHSM2 token.</summary>
public sealed class Pkcs11HsmTests : IAsyncLifetime
{
    private readonly List<LabelRecordingHsm> _created = [];

    private LabelRecordingHsm Hsm(int maxSessions = 8) => Hsm(new Pkcs11Hsm(SoftHsmToken.Options(maxSessions)));

    private LabelRecordingHsm Hsm(Pkcs11Hsm inner)
    {
        var hsm = new LabelRecordingHsm(inner);
        _created.Add(hsm);
        return hsm;
    }

    private static string Label() => "test-" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var hsm in _created) await hsm.DestroyGeneratedKeysAndDisposeAsync();
    }

    [Fact]
    public async Task Concurrent_signatures_through_a_small_session_pool_all_verify()
    {
        var hsm = Hsm(maxSessions: 2);
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.EcP256Signing);
        var messages = Enumerable.Range(0, 40).Select(_ => RandomNumberGenerator.GetBytes(64)).ToList();

        var signatures = await Task.WhenAll(messages.Select(m => hsm.SignDigestAsync(key, SHA256.HashData(m))));

        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(key.PublicKey, out _);
        for (var i = 0; i < messages.Count; i++)
            Assert.True(verifier.VerifyData(messages[i], signatures[i], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public async Task Instances_share_the_module_and_the_login_and_outlive_each_other()
    {
        var first = new Pkcs11Hsm(SoftHsmToken.Options());
        var second = Hsm();
        var key = await second.GenerateKeyAsync(Label(), HsmKeyKind.HmacSha256);
        var data = RandomNumberGenerator.GetBytes(10);
        Assert.Equal(await second.MacAsync(key, data), await first.MacAsync(key, data));

        await first.DisposeAsync();
        Assert.Equal(32, (await second.MacAsync(key, data)).Length);
    }

    [Fact]
    public async Task Key_generation_waits_for_the_token_lock_another_process_holds()
    {
        var hsm = Hsm();
        var label = Label();
        var path = TokenLock.PathFor(SoftHsmToken.Options().TokenLabel);
        Task<HsmKey> making;
        using (TokenLock.Acquire(path, TimeSpan.FromSeconds(5)))
        {
            Assert.Throws<HsmException>(() => TokenLock.Acquire(path, TimeSpan.FromMilliseconds(200)).Dispose());
            making = hsm.FindOrCreateAsync(label, HsmKeyKind.EcP256Signing);
            await Task.Delay(300);
            Assert.False(making.IsCompleted, "a key was made while another holder had the token's lock");
        }
        var made = await making;
        Assert.Equal(made.PublicKey, (await hsm.FindOrCreateAsync(label, HsmKeyKind.EcP256Signing)).PublicKey);
    }

    [Fact]
    public async Task A_key_destroyed_by_another_instance_is_not_used_through_a_stale_handle()
    {
        var user = Hsm();
        var key = await user.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        await user.WrapAsync(key, new byte[32]);

        using (var other = new Pkcs11Hsm(SoftHsmToken.Options())) await other.DestroyKeyAsync(key.Label);

        var refused = await Assert.ThrowsAsync<HsmException>(() => user.WrapAsync(key, new byte[32]));
        Assert.Contains("no key labelled", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_is_found_by_label_and_an_unknown_label_names_the_tokens_present()
    {
        var options = SoftHsmToken.Options() with { TokenLabel = "no-such-token" };
        using var hsm = new Pkcs11Hsm(options);
        var refused = await Assert.ThrowsAsync<HsmException>(() => hsm.FindKeyAsync(Label()));
        Assert.Contains("'no-such-token'", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"'{SoftHsmToken.Options().TokenLabel}'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_never_print_the_pin()
    {
        var options = SoftHsmToken.Options();
        Assert.DoesNotContain(options.UserPin, options.ToString(), StringComparison.Ordinal);
        Assert.Contains(options.TokenLabel, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unwrapping_under_a_key_of_the_same_label_on_a_fresh_instance_gives_the_material_back()
    {
        var writer = Hsm();
        var key = await writer.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var material = RandomNumberGenerator.GetBytes(48);
        var wrapped = await writer.WrapAsync(key, material);

        await using var reader = new Pkcs11Hsm(SoftHsmToken.Options());
        var found = await reader.FindKeyAsync(key.Label);
        Assert.Equal(HsmKeyKind.Aes256Wrapping, found?.Kind);
        Assert.Equal(material, await reader.UnwrapAsync(found!, wrapped));
    }

    [Fact]
    public async Task An_altered_blob_fails_authentication_with_the_tokens_return_value()
    {
        var hsm = Hsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var wrapped = await hsm.WrapAsync(key, RandomNumberGenerator.GetBytes(32));
        wrapped[0] ^= 1; // the IV

        var refused = await Assert.ThrowsAsync<HsmException>(() => hsm.UnwrapAsync(key, wrapped));
        Assert.Contains("failed authentication", refused.Message, StringComparison.Ordinal);
        Assert.StartsWith("CKR_", refused.Code, StringComparison.Ordinal);
        // The session that saw the failure is still good for the next operation.
        Assert.Equal(32, (await hsm.UnwrapAsync(key, await hsm.WrapAsync(key, new byte[32]))).Length);
    }
}
