using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Hsm;

namespace VbiOrleans.Grains.Modules;

/// <summary>
/// The crypto module's keys and operations on this silo. The module master key, the checkpoint MAC key, the module
/// identity key and the postal CA key live in the HSM and are made there once (found by label afterwards). Meter
/// data keys are unwrapped by the master key and cached while meters are active, so the HSM sees one unwrap per
/// meter activation rather than one per command.
/// </summary>
public sealed class ModuleCrypto(IHsm hsm, ILogger<ModuleCrypto> logger)
{
    public const string MasterKeyLabel = "vbi-module-master";
    public const string CheckpointMacKeyLabel = "vbi-checkpoint-mac";
    public const string IdentityKeyLabel = "vbi-module-identity";
    public const string PostalCaKeyLabel = "vbi-postal-ca";
    /// <summary>The provider's signing key (ECDSA P-256): signs the files sent to the postal authority (docs/provider-files.md).</summary>
    public const string ProviderSigningKeyLabel = "vbi-provider-signing";

    private const int CacheLimit = 100_000;
    private readonly SemaphoreSlim _keysLock = new(1, 1);
    // Keyed by the tokens' bytes: a token names one key, and comparing bytes costs less than hashing them.
    private readonly ConcurrentDictionary<byte[], MeterDataKey> _dataKeys = new(TokenComparer.Instance);
    private readonly ConcurrentDictionary<byte[], IndiciumSigner> _meterKeys = new(TokenComparer.Instance);
    private readonly ConcurrentDictionary<string, CheckpointMacKey> _checkpointKeys = new(StringComparer.Ordinal);
    private HsmKey? _master;
    private HsmKey? _checkpointMac;
    private HsmKey? _ca;
    private HsmKey? _identity;
    private HsmKey? _providerSigning;

    public IHsm Hsm => hsm;

    /// <summary>The module identity key (ECDSA P-256, in the HSM): it signs registration answers and log checkpoints.</summary>
    public async Task<HsmKey> IdentityKeyAsync()
    {
        await EnsureKeysAsync();
        return _identity!;
    }

    /// <summary>Finds the module keys in the HSM, making any that do not exist yet.</summary>
    public Task PrepareKeysAsync() => EnsureKeysAsync();

    private async Task EnsureKeysAsync()
    {
        if (_ca is not null) return;
        await _keysLock.WaitAsync();
        try
        {
            if (_ca is not null) return;
            _master = await hsm.FindOrCreateAsync(MasterKeyLabel, HsmKeyKind.Aes256Wrapping);
            _checkpointMac = await hsm.FindOrCreateAsync(CheckpointMacKeyLabel, HsmKeyKind.HmacSha256);
            _identity = await hsm.FindOrCreateAsync(IdentityKeyLabel, HsmKeyKind.EcP256Signing);
            _ca = await hsm.FindOrCreateAsync(PostalCaKeyLabel, HsmKeyKind.EcP256Signing);
            logger.LogInformation("Crypto module keys ready in HSM {Hsm}", hsm.Name);
        }
        finally
        {
            _keysLock.Release();
        }
    }

    /// <summary>A new meter data key and its token (the key wrapped by the module master key).</summary>
    public async Task<(byte[] DataKey, byte[] Token)> NewDataKeyAsync()
    {
        await EnsureKeysAsync();
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var token = await hsm.WrapAsync(_master!, dataKey);
        _dataKeys[token] = new MeterDataKey(dataKey, PsdPackageKeys.Derive(dataKey));
        return (dataKey, token);
    }

    /// <summary>
    /// A meter's data key and the package keys derived from it, unwrapped in the HSM or answered from the cache.
    /// Throws HsmException if the token was altered.
    /// </summary>
    public async Task<MeterDataKey> DataKeyAsync(byte[] token)
    {
        if (_dataKeys.TryGetValue(token, out var cached)) return cached;
        await EnsureKeysAsync();
        var dataKey = await hsm.UnwrapAsync(_master!, token);
        if (_dataKeys.Count >= CacheLimit) _dataKeys.Clear();
        return _dataKeys.GetOrAdd(token, _ => new MeterDataKey(dataKey, PsdPackageKeys.Derive(dataKey)));
    }

    /// <summary>
    /// The MAC of a meter's checkpoint. The checkpoint MAC key never leaves the HSM: once per meter activation the
    /// HSM derives the meter's checkpoint key as HMAC(checkpoint MAC key, "vbi-checkpoint-key|" + meter id), and
    /// checkpoints are MAC'd with that key here, as meter data keys are used here, so HSM round trips stay far
    /// below Key Vault's limits (about 200 operations a second per vault). The key is held with its MAC context, so a
    /// checkpoint's MAC costs no key set-up.
    /// </summary>
    public async Task<byte[]> CheckpointMacAsync(string meterId, byte[] input)
    {
        if (!_checkpointKeys.TryGetValue(meterId, out var key))
        {
            await EnsureKeysAsync();
            var derived = await hsm.MacAsync(_checkpointMac!, Encoding.UTF8.GetBytes("vbi-checkpoint-key|" + meterId));
            if (_checkpointKeys.Count >= CacheLimit) _checkpointKeys.Clear();
            key = _checkpointKeys.GetOrAdd(meterId, new CheckpointMacKey(derived));
        }
        return key.Mac(input);
    }

    /// <summary>The meter's private key encrypted under its data key: the package's key token.</summary>
    public static byte[] SealIndiciumKey(ECDsa key, byte[] dataKey, string meterId)
    {
        var pkcs8 = key.ExportPkcs8PrivateKey();
        var output = new byte[12 + pkcs8.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(dataKey, 16);
        aes.Encrypt(output.AsSpan(0, 12), pkcs8, output.AsSpan(12, pkcs8.Length), output.AsSpan(12 + pkcs8.Length), IndiciumKeyAad(meterId));
        CryptographicOperations.ZeroMemory(pkcs8);
        return output;
    }

    /// <summary>The meter's signer, from its key token, cached while the meter is active.</summary>
    public IndiciumSigner IndiciumKey(byte[] token, byte[] dataKey, string meterId)
    {
        if (_meterKeys.TryGetValue(token, out var cached)) return cached;
        var pkcs8 = new byte[token.Length - 28];
        using (var aes = new AesGcm(dataKey, 16))
        {
            aes.Decrypt(token.AsSpan(0, 12), token.AsSpan(12, pkcs8.Length), token.AsSpan(12 + pkcs8.Length), pkcs8, IndiciumKeyAad(meterId));
        }
        var signer = IndiciumSigner.FromPkcs8(pkcs8);
        CryptographicOperations.ZeroMemory(pkcs8);
        if (_meterKeys.Count >= CacheLimit) _meterKeys.Clear();
        return _meterKeys.GetOrAdd(token, signer);
    }

    /// <summary>The postal CA's self-signed certificate, made with the CA key in the HSM.</summary>
    public async Task<byte[]> CreateCaCertificateAsync(DateTimeOffset now)
    {
        await EnsureKeysAsync();
        var name = new X500DistinguishedName("CN=VbiOrleans Postal CA, O=VbiOrleans");
        var request = new CertificateRequest(name, PublicKey.CreateFromSubjectPublicKeyInfo(_ca!.PublicKey, out _), HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.Create(name, new HsmSignatureGenerator(hsm, _ca), now.AddMinutes(-5), now.AddYears(20), RandomNumberGenerator.GetBytes(16));
        return certificate.RawData;
    }

    /// <summary>A meter's certificate: its public key, signed by the postal CA key in the HSM.</summary>
    public async Task<(byte[] Der, string Serial)> IssueMeterCertificateAsync(ECDsa meterKey, string meterId, string deviceSerial,
        byte[] caCertificate, DateTimeOffset now, int validityDays)
    {
        await EnsureKeysAsync();
        using var ca = X509CertificateLoader.LoadCertificate(caCertificate);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={meterId}, SERIALNUMBER={deviceSerial}, O=VbiOrleans meters"), meterKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var certificate = request.Create(ca.SubjectName, new HsmSignatureGenerator(hsm, _ca!), now.AddMinutes(-5), now.AddDays(validityDays), serial);
        return (certificate.RawData, certificate.SerialNumber);
    }

    /// <summary>The provider's signing key, made in the HSM the first time it is asked for.</summary>
    public async Task<HsmKey> ProviderSigningKeyAsync() =>
        _providerSigning ??= await hsm.FindOrCreateAsync(ProviderSigningKeyLabel, HsmKeyKind.EcP256Signing);

    /// <summary>A DER ECDSA signature over SHA-256 of the bytes, with the provider's signing key (what <c>openssl dgst -sha256 -verify</c> checks).</summary>
    public async Task<byte[]> SignAsProviderAsync(ReadOnlyMemory<byte> content)
    {
        var key = await ProviderSigningKeyAsync();
        return VbiOrleans.TransactionLog.Notes.EcdsaSignatureEncoding.ToDer(await hsm.SignDigestAsync(key, SHA256.HashData(content.Span)));
    }

    /// <summary>The provider's certificate: the provider signing key's public key, signed by the postal CA key in the HSM.</summary>
    public async Task<byte[]> IssueProviderCertificateAsync(string providerId, byte[] caCertificate, DateTimeOffset now)
    {
        await EnsureKeysAsync();
        var key = await ProviderSigningKeyAsync();
        using var ca = X509CertificateLoader.LoadCertificate(caCertificate);
        var request = new CertificateRequest(new X500DistinguishedName($"CN=VbiOrleans provider {providerId}, O=VbiOrleans"),
            PublicKey.CreateFromSubjectPublicKeyInfo(key.PublicKey, out _), HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var certificate = request.Create(ca.SubjectName, new HsmSignatureGenerator(hsm, _ca!), now.AddMinutes(-5), now.AddYears(5), serial);
        return certificate.RawData;
    }

    private sealed class TokenComparer : IEqualityComparer<byte[]>
    {
        public static readonly TokenComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] token)
        {
            var hash = new HashCode();
            hash.AddBytes(token);
            return hash.ToHashCode();
        }
    }

    private static byte[] IndiciumKeyAad(string meterId) => Encoding.UTF8.GetBytes("vbi-indicium-key|" + meterId);
}

/// <summary>
/// A meter's checkpoint key and its HMAC-SHA256 context. A meter's commands run one at a time; the lock only guards
/// against two MACs with one meter's key at once, which the context would not survive. A key dropped from the cache
/// is left to the collector rather than disposed, since a MAC may still be using it.
/// </summary>
internal sealed class CheckpointMacKey
{
    private readonly Lock _lock = new();
    private readonly IncrementalHash _hmac;

    /// <summary>Takes the key into the context and wipes <paramref name="key"/>.</summary>
    public CheckpointMacKey(byte[] key)
    {
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        CryptographicOperations.ZeroMemory(key);
    }

    public byte[] Mac(ReadOnlySpan<byte> input)
    {
        lock (_lock)
        {
            _hmac.AppendData(input);
            return _hmac.GetHashAndReset();
        }
    }
}

/// <summary>A meter's data key (it also seals the meter's signing key) and the package keys derived from it.</summary>
public sealed record MeterDataKey(byte[] Key, PsdPackageKeys Package);
