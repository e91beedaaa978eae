using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VbiOrleans.Hsm.KeyVault;

namespace VbiOrleans.Hsm.Tests.KeyVault;

/// <summary>What goes over the wire to Key Vault, and what KeyVaultHsm makes of the service's answers.</summary>
public sealed partial class KeyVaultHsmTests(FakeKeyVault vault) : IClassFixture<FakeKeyVault>
{
    private readonly StaticTokenCredential _credential = new(FakeKeyVault.Token);

    private KeyVaultHsm Hsm() => new(vault.ClientOptions(), _credential);

    private static string Label() => "kv-" + Guid.NewGuid().ToString("N")[..12];

    private List<FakeKeyVault.RecordedRequest> RequestsFor(string name) =>
        [.. vault.Requests.Where(r => r.Path.StartsWith($"/keys/{name}", StringComparison.OrdinalIgnoreCase))];

    [Fact]
    public async Task Signing_sends_the_digest_base64url_with_ES256_to_the_key_version()
    {
        using var hsm = Hsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.EcP256Signing);
        var digest = SHA256.HashData(RandomNumberGenerator.GetBytes(100));
        await hsm.SignDigestAsync(key, digest);

        var sign = Assert.Single(RequestsFor(key.Label), r => r.Path.EndsWith("/sign", StringComparison.Ordinal));
        Assert.Equal("POST", sign.Method);
        Assert.Matches($"^/keys/{key.Label}/[0-9a-f]{{32}}/sign$", sign.Path);
        Assert.Equal("?api-version=7.6", sign.Query);
        Assert.Equal($"Bearer {FakeKeyVault.Token}", sign.Authorization);
        Assert.Equal("ES256", (string?)sign.Body!["alg"]);
        var value = (string)sign.Body["value"]!;
        Assert.Matches("^[A-Za-z0-9_-]+$", value);
        Assert.Equal(digest, Base64Url.DecodeFromChars(value));
        Assert.All(_credential.RequestedScopes, scope => Assert.Equal(KeyVaultHsmOptions.ManagedHsmScope, scope));
    }

    [Fact]
    public async Task Keys_are_created_with_the_documented_types_sizes_operations_and_label_tags()
    {
        using var hsm = Hsm();
        var signing = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.EcP256Signing);
        var wrapping = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var mac = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.HmacSha256);

        JsonNode CreateBody(HsmKey key)
        {
            var requests = RequestsFor(key.Label);
            // Uniqueness: the name is looked up before it is created.
            Assert.Equal(["GET", "POST"], requests.Take(2).Select(r => r.Method));
            Assert.Equal($"/keys/{key.Label}/create", requests[1].Path);
            return requests[1].Body!;
        }

        var ec = CreateBody(signing);
        Assert.Equal("EC-HSM", (string?)ec["kty"]);
        Assert.Equal("P-256", (string?)ec["crv"]);
        Assert.Equal(["sign", "verify"], ec["key_ops"]!.AsArray().Select(o => (string)o!));
        Assert.Equal(signing.Label, (string?)ec["tags"]!["vbi-label"]);

        var aes = CreateBody(wrapping);
        Assert.Equal("oct-HSM", (string?)aes["kty"]);
        Assert.Equal(256, (int?)aes["key_size"]);
        Assert.Equal(["encrypt", "decrypt"], aes["key_ops"]!.AsArray().Select(o => (string)o!));

        var hmac = CreateBody(mac);
        Assert.Equal("oct-HSM", (string?)hmac["kty"]);
        Assert.Equal(256, (int?)hmac["key_size"]);
        Assert.Equal(["sign", "verify"], hmac["key_ops"]!.AsArray().Select(o => (string)o!));
    }

    [Fact]
    public async Task Wrapping_is_A256GCM_with_the_label_as_aad_and_an_iv_the_service_chooses()
    {
        using var hsm = Hsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var material = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(material, await hsm.UnwrapAsync(key, await hsm.WrapAsync(key, material)));

        var encrypt = Assert.Single(RequestsFor(key.Label), r => r.Path.EndsWith("/encrypt", StringComparison.Ordinal)).Body!;
        Assert.Equal("A256GCM", (string?)encrypt["alg"]);
        Assert.Null(encrypt["iv"]);
        Assert.Equal(Encoding.UTF8.GetBytes("vbi-wrap:" + key.Label), Base64Url.DecodeFromChars((string)encrypt["aad"]!));
        var decrypt = Assert.Single(RequestsFor(key.Label), r => r.Path.EndsWith("/decrypt", StringComparison.Ordinal)).Body!;
        Assert.Equal(12, Base64Url.DecodeFromChars((string)decrypt["iv"]!).Length);
        Assert.Equal(16, Base64Url.DecodeFromChars((string)decrypt["tag"]!).Length);
    }

    [Fact]
    public async Task The_mac_is_HS256_over_the_sha256_of_the_data()
    {
        using var hsm = Hsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.HmacSha256);
        var data = RandomNumberGenerator.GetBytes(1000);
        Assert.Equal(32, (await hsm.MacAsync(key, data)).Length);

        var sign = Assert.Single(RequestsFor(key.Label), r => r.Path.EndsWith("/sign", StringComparison.Ordinal)).Body!;
        Assert.Equal("HS256", (string?)sign["alg"]);
        Assert.Equal(SHA256.HashData(data), Base64Url.DecodeFromChars((string)sign["value"]!));
    }

    [Fact]
    public async Task A_caller_without_a_role_gets_an_HsmException_with_the_service_error_code()
    {
        using var hsm = Hsm();
        vault.ForbiddenCode = "Forbidden";
        try
        {
            var refused = await Assert.ThrowsAsync<HsmException>(() => hsm.FindKeyAsync(Label()));
            Assert.Equal("Forbidden", refused.Code);
            Assert.Contains("403", refused.Message, StringComparison.Ordinal);
            Assert.Contains("ForbiddenByRbac", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            vault.ForbiddenCode = null;
        }
    }

    [Fact]
    public async Task A_token_the_service_rejects_gives_an_HsmException_with_the_service_error_code()
    {
        using var hsm = new KeyVaultHsm(vault.ClientOptions(), new StaticTokenCredential("not-the-token"));
        var refused = await Assert.ThrowsAsync<HsmException>(() => hsm.GenerateKeyAsync(Label(), HsmKeyKind.EcP256Signing));
        Assert.Equal("Unauthorized", refused.Code);
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_carry_the_configured_api_version()
    {
        using var hsm = new KeyVaultHsm(vault.ClientOptions(apiVersion: "7.4"), _credential);
        var refused = await Assert.ThrowsAsync<HsmException>(() => hsm.FindKeyAsync(Label()));
        Assert.Equal("BadParameter", refused.Code);
        Assert.Contains(vault.Requests, r => r.Query == "?api-version=7.4");
    }

    [Fact]
    public void Labels_map_to_valid_key_names_that_never_collide()
    {
        Assert.Equal("module-master", KeyVaultKeyName.For("module-master"));
        Assert.Equal("meter-34576590-indicium", KeyVaultKeyName.For("meter-34576590-indicium"));
        string[] labels = ["Module-Master", "module-master", "module/master", "module_master", "module--master", "-module", "module-",
            "Zähler 7", "module-master\n", new string('a', 128)];
        var names = labels.Select(KeyVaultKeyName.For).ToList();
        Assert.All(names, name => Assert.Matches(KeyNamePattern(), name));
        Assert.All(names, name => Assert.InRange(name.Length, 1, KeyVaultKeyName.MaxLength));
        // Key Vault compares names without regard to case: the names must differ even then.
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public async Task A_label_that_is_no_key_name_works_under_its_hashed_name()
    {
        using var hsm = Hsm();
        var label = "Meter 34576590/indicium " + Guid.NewGuid();
        var key = await hsm.GenerateKeyAsync(label, HsmKeyKind.EcP256Signing);
        var name = KeyVaultKeyName.For(label);
        Assert.StartsWith("vbi--", name, StringComparison.Ordinal);
        Assert.Contains(vault.Requests, r => r.Path == $"/keys/{name}/create");

        using var other = Hsm();
        var found = await other.FindKeyAsync(label);
        Assert.Equal(key.PublicKey, found?.PublicKey);
        Assert.Null(await hsm.FindKeyAsync(label.ToUpperInvariant()));
    }

    [Fact]
    public async Task A_blob_still_unwraps_after_the_wrapping_key_gains_a_version()
    {
        using var before = Hsm();
        var key = await before.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var material = RandomNumberGenerator.GetBytes(32);
        var oldBlob = await before.WrapAsync(key, material);

        vault.AddVersion(key.Label);
        using var after = Hsm();
        var current = await after.FindKeyAsync(key.Label);
        var newBlob = await after.WrapAsync(current!, material);
        Assert.Equal(material, await after.UnwrapAsync(current!, oldBlob));
        Assert.Equal(material, await after.UnwrapAsync(current!, newBlob));

        var decryptVersions = RequestsFor(key.Label).Where(r => r.Path.EndsWith("/decrypt", StringComparison.Ordinal))
            .Select(r => r.Path.Split('/')[3]).Distinct().ToList();
        Assert.Equal(2, decryptVersions.Count);
    }

    [Fact]
    public async Task No_signature_is_made_with_a_key_version_whose_public_key_the_caller_does_not_hold()
    {
        using var hsm = Hsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.EcP256Signing);
        vault.AddVersion(key.Label);
        using var fresh = Hsm();
        var refused = await Assert.ThrowsAsync<HsmException>(() => fresh.SignDigestAsync(key, new byte[32]));
        Assert.Contains("rotated", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_blob_is_refused_before_anything_is_sent()
    {
        using var hsm = Hsm();
        var key = await hsm.GenerateKeyAsync(Label(), HsmKeyKind.Aes256Wrapping);
        var blob = await hsm.WrapAsync(key, RandomNumberGenerator.GetBytes(32));
        blob[2] = (byte)'/'; // inside the key version, which becomes part of the request path
        await Assert.ThrowsAsync<HsmException>(() => hsm.UnwrapAsync(key, blob));
        Assert.DoesNotContain(RequestsFor(key.Label), r => r.Path.EndsWith("/decrypt", StringComparison.Ordinal));
    }

    [GeneratedRegex("^[0-9a-zA-Z-]+\\z")]
    private static partial Regex KeyNamePattern();
}
