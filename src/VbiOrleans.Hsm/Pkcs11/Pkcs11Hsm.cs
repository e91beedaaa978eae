using System.Collections.Concurrent;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.MechanismParams;

namespace VbiOrleans.Hsm.Pkcs11;

/// <summary>
/// An HSM behind a PKCS#11 module: SoftHSM2 locally, a network or PCIe HSM in production. Keys are token objects
/// named by CKA_LABEL; private and secret keys are CKA_SENSITIVE and not CKA_EXTRACTABLE, so no key material ever
/// leaves the token.
/// </summary>
/// <remarks>
/// <para>Mechanisms, chosen so that SoftHSM2 2.6.1 (Debian 12) supports every one of them:</para>
/// <list type="bullet">
/// <item>Signing keys: EC P-256 pairs from CKM_EC_KEY_PAIR_GEN. The caller hashes; the token signs the 32-byte
/// digest with CKM_ECDSA, whose output is already raw r||s (softhsm2 2.6.1 has no CKM_ECDSA_SHA256 anyway). The public
/// key is read from CKA_EC_POINT and returned as SubjectPublicKeyInfo.</item>
/// <item>Wrapping keys: AES-256 (CKM_AES_KEY_GEN). Wrapping is CKM_AES_GCM through C_Encrypt/C_Decrypt, because the
/// material to protect is a byte string from outside the token, not a token object that C_WrapKey could take. The
/// IV is 12 random bytes, the tag 128 bits, and the additional data binds the blob to the wrapping key's label.
/// A blob is IV || ciphertext || tag, the same layout as <see cref="InMemoryHsm"/>.</item>
/// <item>HMAC keys: 32-byte CKK_GENERIC_SECRET keys from CKM_GENERIC_SECRET_KEY_GEN, used with CKM_SHA256_HMAC.</item>
/// </list>
/// <para>Labels are unique per token: PKCS#11 itself does not enforce that, so key generation checks for the label and
/// creates the key as one step: in this process under a semaphore, across the processes of this machine under a file
/// lock (<see cref="TokenLock"/>). Processes on different machines sharing one network HSM could still both succeed;
/// later look-ups of that label then fail as ambiguous rather than pick one; the first silo of such a cluster should
/// be started alone.</para>
/// <para>Thread safety: operations run on pooled sessions (<see cref="Pkcs11HsmOptions.MaxSessions"/>), each used by
/// one operation at a time, off the caller's thread. The module is loaded once per process and shared.</para>
/// </remarks>
public sealed class Pkcs11Hsm : IHsm, IDisposable, IAsyncDisposable
{
    private const int DigestSize = 32;
    private const int SignatureSize = 64;
    private const int SecretKeySize = 32;
    private const int GcmIvSize = 12;
    private const int GcmTagSize = 16;
    private const int KeyIdSize = 16;

    // DER of the named-curve OID 1.2.840.10045.3.1.7 (P-256): CKA_EC_PARAMS of every signing key.
    private static readonly byte[] P256Parameters = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

    private readonly Pkcs11SessionPool _sessions;
    /// <summary>Key generation is serialized across every instance in the process: the token is one store.</summary>
    private static readonly SemaphoreSlim Generation = new(1, 1);
    private readonly ConcurrentDictionary<string, ulong> _handles = new(StringComparer.Ordinal);
    private readonly string _lockPath;

    /// <summary>Loads the module (or shares it with other instances of this process); sessions open on first use.</summary>
    public Pkcs11Hsm(Pkcs11HsmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ModulePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TokenLabel);
        ArgumentException.ThrowIfNullOrEmpty(options.UserPin);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSessions, 1);
        Name = "pkcs11:" + options.TokenLabel;
        _sessions = new Pkcs11SessionPool(options);
        _lockPath = TokenLock.PathFor(options.TokenLabel);
    }

    public string Name { get; }

    public async Task<HsmKey> GenerateKeyAsync(string label, HsmKeyKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown key kind");
        await Generation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await _sessions.RunAsync(session =>
                    {
                        using var tokenLock = TokenLock.Acquire(_lockPath, TimeSpan.FromSeconds(30));
                        if (FindByLabel(session, label).Count > 0) throw new HsmException($"a key labelled '{label}' already exists");
                        return kind == HsmKeyKind.EcP256Signing ? GenerateSigningKey(session, label) : GenerateSecretKey(session, label, kind);
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch (HsmException e) when (e.Code == nameof(CKR.CKR_GENERAL_ERROR) && attempt < 5)
                {
                    // SoftHSM2's file store answers CKR_GENERAL_ERROR now and then when another session or process
                    // writes the token at the same moment. If the attempt made the key after all, it is ours.
                    await Task.Delay(50 * attempt, cancellationToken).ConfigureAwait(false);
                    if (await FindKeyAsync(label, cancellationToken).ConfigureAwait(false) is { Kind: var found } made && found == kind) return made;
                }
            }
        }
        finally
        {
            Generation.Release();
        }
    }

    private HsmKey GenerateSigningKey(ISession session, string label)
    {
        var attributes = session.Factories.ObjectAttributeFactory;
        var id = RandomNumberGenerator.GetBytes(KeyIdSize);
        List<IObjectAttribute> publicTemplate =
        [
            attributes.Create(CKA.CKA_TOKEN, true),
            attributes.Create(CKA.CKA_PRIVATE, false),
            attributes.Create(CKA.CKA_LABEL, label),
            attributes.Create(CKA.CKA_ID, id),
            attributes.Create(CKA.CKA_EC_PARAMS, P256Parameters),
            attributes.Create(CKA.CKA_VERIFY, true),
            attributes.Create(CKA.CKA_ENCRYPT, false),
            attributes.Create(CKA.CKA_WRAP, false),
            attributes.Create(CKA.CKA_DERIVE, false),
        ];
        List<IObjectAttribute> privateTemplate =
        [
            attributes.Create(CKA.CKA_TOKEN, true),
            attributes.Create(CKA.CKA_PRIVATE, true),
            attributes.Create(CKA.CKA_SENSITIVE, true),
            attributes.Create(CKA.CKA_EXTRACTABLE, false),
            attributes.Create(CKA.CKA_LABEL, label),
            attributes.Create(CKA.CKA_ID, id),
            // Signing only: SoftHSM would otherwise default decrypt and unwrap to true.
            attributes.Create(CKA.CKA_SIGN, true),
            attributes.Create(CKA.CKA_DECRYPT, false),
            attributes.Create(CKA.CKA_UNWRAP, false),
            attributes.Create(CKA.CKA_DERIVE, false),
        ];
        using var mechanism = session.Factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN);
        session.GenerateKeyPair(mechanism, publicTemplate, privateTemplate, out var publicKey, out var privateKey);
        _handles[label] = privateKey.ObjectId;
        return new HsmKey(label, HsmKeyKind.EcP256Signing, ReadPublicKey(session, publicKey));
    }

    private HsmKey GenerateSecretKey(ISession session, string label, HsmKeyKind kind)
    {
        var wrapping = kind == HsmKeyKind.Aes256Wrapping;
        var attributes = session.Factories.ObjectAttributeFactory;
        List<IObjectAttribute> template =
        [
            attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            attributes.Create(CKA.CKA_KEY_TYPE, wrapping ? CKK.CKK_AES : CKK.CKK_GENERIC_SECRET),
            attributes.Create(CKA.CKA_VALUE_LEN, (ulong)SecretKeySize),
            attributes.Create(CKA.CKA_TOKEN, true),
            attributes.Create(CKA.CKA_PRIVATE, true),
            attributes.Create(CKA.CKA_SENSITIVE, true),
            attributes.Create(CKA.CKA_EXTRACTABLE, false),
            attributes.Create(CKA.CKA_LABEL, label),
            attributes.Create(CKA.CKA_ID, RandomNumberGenerator.GetBytes(KeyIdSize)),
            // A wrapping key only encrypts and decrypts (AES-GCM); an HMAC key only signs and verifies.
            attributes.Create(CKA.CKA_ENCRYPT, wrapping),
            attributes.Create(CKA.CKA_DECRYPT, wrapping),
            attributes.Create(CKA.CKA_SIGN, !wrapping),
            attributes.Create(CKA.CKA_VERIFY, !wrapping),
            attributes.Create(CKA.CKA_WRAP, false),
            attributes.Create(CKA.CKA_UNWRAP, false),
            attributes.Create(CKA.CKA_DERIVE, false),
        ];
        using var mechanism = session.Factories.MechanismFactory.Create(wrapping ? CKM.CKM_AES_KEY_GEN : CKM.CKM_GENERIC_SECRET_KEY_GEN);
        var handle = session.GenerateKey(mechanism, template);
        _handles[label] = handle.ObjectId;
        return new HsmKey(label, kind, null);
    }

    public Task<HsmKey?> FindKeyAsync(string label, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        return _sessions.RunAsync(session =>
        {
            if (Describe(session, label) is not { } found) return null;
            _handles[label] = found.Key.Handle;
            byte[]? publicKey = null;
            if (found.Kind == HsmKeyKind.EcP256Signing)
            {
                var publicObject = found.PublicKey ?? throw new HsmException($"signing key '{label}' has no public key object on the token");
                publicKey = ReadPublicKey(session, Handle(session, publicObject.Handle));
            }
            return (HsmKey?)new HsmKey(label, found.Kind, publicKey);
        }, cancellationToken);
    }

    public Task<byte[]> SignDigestAsync(HsmKey key, ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (sha256Digest.Length != DigestSize) throw new HsmException("a SHA-256 digest is 32 bytes");
        var digest = sha256Digest.ToArray();
        return _sessions.RunAsync(session =>
        {
            var handle = KeyHandle(session, key.Label, HsmKeyKind.EcP256Signing);
            using var mechanism = session.Factories.MechanismFactory.Create(CKM.CKM_ECDSA);
            var signature = session.Sign(mechanism, handle, digest);
            return signature.Length == SignatureSize
                ? signature
                : throw new HsmException($"the token returned a {signature.Length}-byte ECDSA signature; raw r||s on P-256 is {SignatureSize} bytes");
        }, cancellationToken);
    }

    public Task<byte[]> WrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> keyMaterial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrappingKey);
        var plain = keyMaterial.ToArray();
        return _sessions.RunAsync<byte[]>(session =>
        {
            var handle = KeyHandle(session, wrappingKey.Label, HsmKeyKind.Aes256Wrapping);
            var iv = RandomNumberGenerator.GetBytes(GcmIvSize);
            using var parameters = GcmParameters(session, iv, wrappingKey.Label);
            using var mechanism = session.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
            var sealedMaterial = session.Encrypt(mechanism, handle, plain);
            CryptographicOperations.ZeroMemory(plain);
            return [.. iv, .. sealedMaterial];
        }, cancellationToken);
    }

    public Task<byte[]> UnwrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> wrapped, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrappingKey);
        if (wrapped.Length < GcmIvSize + GcmTagSize) throw new HsmException("the wrapped key is too short");
        var iv = wrapped[..GcmIvSize].ToArray();
        var sealedMaterial = wrapped[GcmIvSize..].ToArray();
        return _sessions.RunAsync(session =>
        {
            var handle = KeyHandle(session, wrappingKey.Label, HsmKeyKind.Aes256Wrapping);
            using var parameters = GcmParameters(session, iv, wrappingKey.Label);
            using var mechanism = session.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
            try
            {
                return session.Decrypt(mechanism, handle, sealedMaterial);
            }
            catch (Pkcs11Exception e) when (!Pkcs11SessionPool.IsSessionLost(e.RV))
            {
                throw new HsmException("the wrapped key failed authentication", e.RV.ToString(), e);
            }
        }, cancellationToken);
    }

    public Task<byte[]> MacAsync(HsmKey macKey, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(macKey);
        var message = data.ToArray();
        return _sessions.RunAsync(session =>
        {
            var handle = KeyHandle(session, macKey.Label, HsmKeyKind.HmacSha256);
            using var mechanism = session.Factories.MechanismFactory.Create(CKM.CKM_SHA256_HMAC);
            return session.Sign(mechanism, handle, message);
        }, cancellationToken);
    }

    /// <summary>Destroys every object with this label. Only for tests, which must not leave keys on the token.</summary>
    internal Task DestroyKeyAsync(string label, CancellationToken cancellationToken = default) =>
        _sessions.RunAsync(session =>
        {
            _handles.TryRemove(label, out _);
            var objects = FindByLabel(session, label);
            foreach (var tokenObject in objects) session.DestroyObject(Handle(session, tokenObject.Handle));
            return objects.Count;
        }, cancellationToken);

    private static ICkGcmParams GcmParameters(ISession session, byte[] iv, string wrappingKeyLabel) =>
        session.Factories.MechanismParamsFactory.CreateCkGcmParams(iv, GcmIvSize * 8, WrapContext.For(wrappingKeyLabel), GcmTagSize * 8);

    private static byte[] ReadPublicKey(ISession session, IObjectHandle publicKey) =>
        EcP256PublicKey.FromEcPoint(session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray());

    private static IObjectHandle Handle(ISession session, ulong handle) => session.Factories.ObjectHandleFactory.Create(handle);

    private readonly record struct TokenObject(ulong Handle, CKO Class, CKK? KeyType)
    {
        // The kinds this class makes; keys of other types under a label are not usable here.
        public HsmKeyKind? Kind => (Class, KeyType) switch
        {
            (CKO.CKO_PRIVATE_KEY, CKK.CKK_EC) => HsmKeyKind.EcP256Signing,
            (CKO.CKO_SECRET_KEY, CKK.CKK_AES) => HsmKeyKind.Aes256Wrapping,
            (CKO.CKO_SECRET_KEY, CKK.CKK_GENERIC_SECRET or CKK.CKK_SHA256_HMAC) => HsmKeyKind.HmacSha256,
            _ => null,
        };
    }

    private sealed record LabelledKey(HsmKeyKind Kind, TokenObject Key, TokenObject? PublicKey);

    private static List<TokenObject> FindByLabel(ISession session, string label)
    {
        var handles = session.FindAllObjects([session.Factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, label)]);
        var objects = new List<TokenObject>(handles.Count);
        foreach (var handle in handles)
        {
            var values = session.GetAttributeValue(handle, [CKA.CKA_CLASS, CKA.CKA_KEY_TYPE]);
            objects.Add(new TokenObject(handle.ObjectId, (CKO)values[0].GetValueAsUlong(),
                values[1].CannotBeRead ? null : (CKK)values[1].GetValueAsUlong()));
        }
        return objects;
    }

    private static LabelledKey? Describe(ISession session, string label)
    {
        var objects = FindByLabel(session, label);
        if (objects.Count == 0) return null;
        var keys = objects.Where(o => o.Kind is not null).ToList();
        var publicKeys = objects.Where(o => o.Class == CKO.CKO_PUBLIC_KEY).ToList();
        return keys.Count switch
        {
            1 => new LabelledKey(keys[0].Kind!.Value, keys[0], publicKeys.Count == 1 ? publicKeys[0] : null),
            0 => throw new HsmException($"the objects labelled '{label}' hold no key this HSM uses"),
            _ => throw new HsmException($"{keys.Count} keys on the token are labelled '{label}'; a label must name one key"),
        };
    }

    // The handle of the key under this label, if it is of the expected kind. Handles are cached but re-checked before
    // use: they outlive sessions yet not every change of the module's view of the token (SoftHSM drops them when the
    // last session closes, other modules may reuse numbers), so a cached handle is trusted only while it still carries
    // this label and kind.
    private IObjectHandle KeyHandle(ISession session, string label, HsmKeyKind expected)
    {
        if (_handles.TryGetValue(label, out var cached) && StillNames(session, cached, label, expected)) return Handle(session, cached);
        _handles.TryRemove(label, out _);
        var found = Describe(session, label) ?? throw new HsmException($"no key labelled '{label}'");
        if (found.Kind != expected) throw new HsmException($"key '{label}' is a {found.Kind} key, not {expected}");
        _handles[label] = found.Key.Handle;
        return Handle(session, found.Key.Handle);
    }

    private static bool StillNames(ISession session, ulong handle, string label, HsmKeyKind kind)
    {
        try
        {
            var values = session.GetAttributeValue(Handle(session, handle), [CKA.CKA_LABEL, CKA.CKA_CLASS, CKA.CKA_KEY_TYPE]);
            if (values.Any(v => v.CannotBeRead) || values[0].GetValueAsString() != label) return false;
            return new TokenObject(handle, (CKO)values[1].GetValueAsUlong(), (CKK)values[2].GetValueAsUlong()).Kind == kind;
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _sessions.Dispose();
        _handles.Clear();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
