using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;

namespace VbiOrleans.Hsm.KeyVault;

/// <summary>
/// An HSM in Azure Key Vault Managed HSM (or, for signing keys only, a Premium Key Vault), spoken to through the
/// documented keys REST API on an Azure.Core pipeline, because the Azure.Security.KeyVault.Keys package is not
/// available to this solution. Production passes a <c>DefaultAzureCredential</c> (managed identity in Azure).
/// </summary>
/// <remarks>
/// <para>Keys and algorithms (api-version <see cref="KeyVaultHsmOptions.ApiVersion"/>, 7.6 by default):</para>
/// <list type="bullet">
/// <item>Signing keys: kty EC-HSM, crv P-256, key_ops sign/verify. <c>sign</c> with alg ES256 on the caller's
/// SHA-256 digest returns the JWS signature, which is raw r||s (64 bytes).</item>
/// <item>Wrapping keys: kty oct-HSM, 256 bits, key_ops encrypt/decrypt (Managed HSM only). <c>encrypt</c> with
/// A256GCM: authenticated, takes any byte string (A256KW would need multiples of 8 bytes and has no additional data),
/// and binds the blob to the wrapping key's label through <c>aad</c>. The service chooses the IV (it refuses one from
/// the client) and returns IV and tag; the blob keeps them with the key version (<see cref="WrappedBlob"/>).</item>
/// <item>HMAC keys: kty oct-HSM, 256 bits, key_ops sign/verify (Managed HSM only). Key Vault has no MAC operation of
/// its own; api-version 7.6 documents HS256 for <c>sign</c> with oct keys, and <c>sign</c> takes a digest. So the MAC is
/// HMAC-SHA256(key, SHA-256(data)): the data is hashed here and the HSM computes the HMAC of that digest, the same
/// value the Azure SDK's SignData(HS256, data) yields. It is a sound MAC and the key never leaves the HSM, but the
/// value differs from the PKCS#11 and in-memory HMAC of the raw data; MAC keys cannot move between HSMs anyway.</item>
/// </list>
/// <para>Labels map to key names through <see cref="KeyVaultKeyName"/>; each key carries its label and kind in tags
/// (vbi-label, vbi-kind). Kinds are read back from kty and key_ops.</para>
/// <para>Uniqueness: Key Vault's create adds a version to an existing name instead of failing, so generation first
/// looks the name up and refuses if it exists (a soft-deleted name makes create fail with a conflict). The look-up and
/// the create are one step within this instance; two processes creating one label in the same instant could both
/// succeed, leaving two versions (the latest wins for look-ups). Keys are created by a single owner in this system.</para>
/// <para>Versions: operations use the version the key had when this instance first resolved it. A signature is made
/// only while the vault's key still has the caller's public key; a wrapped blob names its key version, so it unwraps
/// after the wrapping key gains versions.</para>
/// </remarks>
public sealed class KeyVaultHsm : IHsm, IDisposable, IAsyncDisposable
{
    private const int DigestSize = 32;
    private const int SignatureSize = 64;
    private const int MacSize = 32;
    private const int MaxTagValueLength = 256;
    private const string LabelTag = "vbi-label";
    private const string KindTag = "vbi-kind";

    private readonly KeyVaultRestClient _client;
    private readonly SemaphoreSlim _generation = new(1, 1);
    private readonly ConcurrentDictionary<string, VaultKey> _resolved = new(StringComparer.Ordinal);

    /// <param name="options">The vault, api-version, token scope and pipeline settings.</param>
    /// <param name="credential">Where bearer tokens come from: DefaultAzureCredential in production.</param>
    public KeyVaultHsm(KeyVaultHsmOptions options, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credential);
        var pipeline = HttpPipelineBuilder.Build(options, new BearerTokenAuthenticationPolicy(credential, options.AuthenticationScope));
        _client = new KeyVaultRestClient(pipeline, options.VaultUri, options.ApiVersion);
        Name = "keyvault:" + options.VaultUri.Authority;
    }

    public string Name { get; }

    // A key as this instance resolved it: the version its operations use.
    private sealed record VaultKey(string Label, string Name, string Version, HsmKeyKind Kind, byte[]? PublicKey)
    {
        public HsmKey ToHsmKey() => new(Label, Kind, PublicKey);
    }

    public async Task<HsmKey> GenerateKeyAsync(string label, HsmKeyKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown key kind");
        if (label.Length > MaxTagValueLength) throw new HsmException($"a label is at most {MaxTagValueLength} characters (it is kept in a Key Vault tag)");
        var name = KeyVaultKeyName.For(label);
        await _generation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await _client.GetKeyAsync(name, cancellationToken).ConfigureAwait(false) is not null)
                throw new HsmException($"a key labelled '{label}' already exists (Key Vault key {name})");
            var bundle = await _client.CreateKeyAsync(name, CreateParameters(label, kind), cancellationToken).ConfigureAwait(false);
            var key = Describe(label, name, bundle);
            if (key.Kind != kind) throw new HsmException($"Key Vault made key {name} a {key.Kind} key, not {kind}");
            _resolved[label] = key;
            return key.ToHsmKey();
        }
        finally
        {
            _generation.Release();
        }
    }

    private static KeyCreateParameters CreateParameters(string label, HsmKeyKind kind)
    {
        var tags = new Dictionary<string, string> { [LabelTag] = label, [KindTag] = kind.ToString() };
        var enabled = new KeyAttributes(Enabled: true);
        return kind switch
        {
            HsmKeyKind.EcP256Signing => new KeyCreateParameters("EC-HSM", "P-256", null, ["sign", "verify"], enabled, tags),
            HsmKeyKind.Aes256Wrapping => new KeyCreateParameters("oct-HSM", null, 256, ["encrypt", "decrypt"], enabled, tags),
            HsmKeyKind.HmacSha256 => new KeyCreateParameters("oct-HSM", null, 256, ["sign", "verify"], enabled, tags),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown key kind"),
        };
    }

    public async Task<HsmKey?> FindKeyAsync(string label, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        var name = KeyVaultKeyName.For(label);
        if (await _client.GetKeyAsync(name, cancellationToken).ConfigureAwait(false) is not { } bundle) return null;
        var key = Describe(label, name, bundle);
        _resolved[label] = key;
        return key.ToHsmKey();
    }

    public async Task<byte[]> SignDigestAsync(HsmKey key, ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (sha256Digest.Length != DigestSize) throw new HsmException("a SHA-256 digest is 32 bytes");
        var signingKey = await ResolveAsync(key, HsmKeyKind.EcP256Signing, cancellationToken).ConfigureAwait(false);
        if (key.PublicKey is not null && !key.PublicKey.AsSpan().SequenceEqual(signingKey.PublicKey))
        {
            // This instance may hold an older version than the caller: look again once.
            _resolved.TryRemove(key.Label, out _);
            signingKey = await ResolveAsync(key, HsmKeyKind.EcP256Signing, cancellationToken).ConfigureAwait(false);
            if (!key.PublicKey.AsSpan().SequenceEqual(signingKey.PublicKey))
                throw new HsmException($"Key Vault key {signingKey.Name} no longer has the public key of '{key.Label}' (was it rotated?)");
        }
        var result = await UseAsync(signingKey, k => _client.SignAsync(k.Name, k.Version,
            new KeySignParameters("ES256", Base64Url.EncodeToString(sha256Digest.Span)), cancellationToken)).ConfigureAwait(false);
        var signature = Decode(result.Value, "signature");
        return signature.Length == SignatureSize
            ? signature
            : throw new HsmException($"Key Vault returned a {signature.Length}-byte ES256 signature; raw r||s on P-256 is {SignatureSize} bytes");
    }

    public async Task<byte[]> WrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> keyMaterial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrappingKey);
        var key = await ResolveAsync(wrappingKey, HsmKeyKind.Aes256Wrapping, cancellationToken).ConfigureAwait(false);
        var parameters = new KeyOperationsParameters("A256GCM", Base64Url.EncodeToString(keyMaterial.Span),
            AdditionalAuthenticatedData: Base64Url.EncodeToString(WrapContext.For(key.Label)));
        var result = await UseAsync(key, k => _client.EncryptAsync(k.Name, k.Version, parameters, cancellationToken)).ConfigureAwait(false);
        return new WrappedBlob(key.Version, Decode(result.InitializationVector, "iv"), Decode(result.AuthenticationTag, "tag"),
            Decode(result.Value, "ciphertext")).ToBytes();
    }

    public async Task<byte[]> UnwrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> wrapped, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrappingKey);
        var key = await ResolveAsync(wrappingKey, HsmKeyKind.Aes256Wrapping, cancellationToken).ConfigureAwait(false);
        var blob = WrappedBlob.Parse(wrapped.Span);
        var parameters = new KeyOperationsParameters("A256GCM", Base64Url.EncodeToString(blob.Ciphertext),
            InitializationVector: Base64Url.EncodeToString(blob.InitializationVector),
            AdditionalAuthenticatedData: Base64Url.EncodeToString(WrapContext.For(key.Label)),
            AuthenticationTag: Base64Url.EncodeToString(blob.Tag));
        // The blob's own key version: it may predate the version this instance resolved.
        var result = await UseAsync(key, k => _client.DecryptAsync(k.Name, blob.KeyVersion, parameters, cancellationToken)).ConfigureAwait(false);
        return Decode(result.Value, "plaintext");
    }

    public async Task<byte[]> MacAsync(HsmKey macKey, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(macKey);
        var key = await ResolveAsync(macKey, HsmKeyKind.HmacSha256, cancellationToken).ConfigureAwait(false);
        var digest = SHA256.HashData(data.Span);
        var result = await UseAsync(key, k => _client.SignAsync(k.Name, k.Version,
            new KeySignParameters("HS256", Base64Url.EncodeToString(digest)), cancellationToken)).ConfigureAwait(false);
        var mac = Decode(result.Value, "MAC");
        return mac.Length == MacSize ? mac : throw new HsmException($"Key Vault returned a {mac.Length}-byte HS256 value; HMAC-SHA256 is {MacSize} bytes");
    }

    private async Task<VaultKey> ResolveAsync(HsmKey key, HsmKeyKind expected, CancellationToken cancellationToken)
    {
        if (!_resolved.TryGetValue(key.Label, out var resolved))
        {
            var name = KeyVaultKeyName.For(key.Label);
            var bundle = await _client.GetKeyAsync(name, cancellationToken).ConfigureAwait(false)
                ?? throw new HsmException($"no key labelled '{key.Label}'");
            resolved = Describe(key.Label, name, bundle);
            _resolved[key.Label] = resolved;
        }
        return resolved.Kind == expected ? resolved : throw new HsmException($"key '{key.Label}' is a {resolved.Kind} key, not {expected}");
    }

    // Runs an operation with a resolved key; if the vault no longer has that key, forgets it so the next call looks again.
    private async Task<T> UseAsync<T>(VaultKey key, Func<VaultKey, Task<T>> operation)
    {
        try
        {
            return await operation(key).ConfigureAwait(false);
        }
        catch (HsmException e) when (e.Code == "KeyNotFound")
        {
            _resolved.TryRemove(new KeyValuePair<string, VaultKey>(key.Label, key));
            throw;
        }
    }

    private static VaultKey Describe(string label, string name, KeyBundle bundle)
    {
        var jwk = bundle.Key ?? throw new HsmException($"Key Vault key {name} came without its JSON web key");
        if (bundle.Tags is { } tags && tags.TryGetValue(LabelTag, out var taggedLabel) && taggedLabel != label)
            throw new HsmException($"Key Vault key {name} belongs to the label '{taggedLabel}', not '{label}'");
        var version = VersionOf(jwk.KeyId, name);
        var operations = jwk.KeyOperations ?? [];
        switch (jwk.KeyType)
        {
            case "EC-HSM" or "EC":
                if (jwk.Curve != "P-256") throw new HsmException($"Key Vault key {name} is on curve {jwk.Curve}, not P-256");
                var publicKey = EcP256PublicKey.FromCoordinates(Decode(jwk.X, "x"), Decode(jwk.Y, "y"));
                return new VaultKey(label, name, version, HsmKeyKind.EcP256Signing, publicKey);
            case "oct-HSM" or "oct" when operations.Contains("encrypt") && !operations.Contains("sign"):
                return new VaultKey(label, name, version, HsmKeyKind.Aes256Wrapping, null);
            case "oct-HSM" or "oct" when operations.Contains("sign") && !operations.Contains("encrypt"):
                return new VaultKey(label, name, version, HsmKeyKind.HmacSha256, null);
            default:
                throw new HsmException($"Key Vault key {name} ({jwk.KeyType}, operations {string.Join(",", operations)}) is none of the kinds this HSM uses");
        }
    }

    // kid is {vault}/keys/{name}/{version}.
    private static string VersionOf(string? keyId, string name)
    {
        if (Uri.TryCreate(keyId, UriKind.Absolute, out var uri)
            && uri.Segments is [.., var keys, var keyName, var version]
            && keys.Equals("keys/", StringComparison.OrdinalIgnoreCase)
            && keyName.TrimEnd('/').Equals(name, StringComparison.OrdinalIgnoreCase)
            && version.Length > 0 && version.All(char.IsAsciiLetterOrDigit))
        {
            return version;
        }
        throw new HsmException($"Key Vault key {name} has the unexpected identifier '{keyId}'");
    }

    private static byte[] Decode(string? base64Url, string what)
    {
        if (base64Url is null) throw new HsmException($"Key Vault returned no {what}");
        try
        {
            return Base64Url.DecodeFromChars(base64Url);
        }
        catch (FormatException e)
        {
            throw new HsmException($"Key Vault returned a {what} that is not base64url", e);
        }
    }

    public void Dispose()
    {
        _resolved.Clear();
        _generation.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
