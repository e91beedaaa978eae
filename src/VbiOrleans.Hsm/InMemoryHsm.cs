using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace VbiOrleans.Hsm;

/// <summary>
/// An HSM in process memory, for the Local profile and tests. Keys vanish with the process; nothing here is
/// durable or protected against a reader of this process's memory.
/// </summary>
public sealed class InMemoryHsm : IHsm, IDisposable
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly ConcurrentDictionary<string, Entry> _keys = new(StringComparer.Ordinal);

    private sealed record Entry(HsmKey Key, ECDsa? Ecdsa, byte[]? Secret);

    public string Name => "in-memory";

    public Task<HsmKey> GenerateKeyAsync(string label, HsmKeyKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        Entry entry = kind switch
        {
            HsmKeyKind.EcP256Signing => NewSigningKey(label),
            HsmKeyKind.Aes256Wrapping or HsmKeyKind.HmacSha256 => new Entry(new HsmKey(label, kind, null), null, RandomNumberGenerator.GetBytes(32)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown key kind"),
        };
        if (!_keys.TryAdd(label, entry))
        {
            entry.Ecdsa?.Dispose();
            throw new HsmException($"a key labelled '{label}' already exists");
        }
        return Task.FromResult(entry.Key);
    }

    private static Entry NewSigningKey(string label)
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new Entry(new HsmKey(label, HsmKeyKind.EcP256Signing, ecdsa.ExportSubjectPublicKeyInfo()), ecdsa, null);
    }

    public Task<HsmKey?> FindKeyAsync(string label, CancellationToken cancellationToken = default) =>
        Task.FromResult(_keys.TryGetValue(label, out var entry) ? entry.Key : null);

    public Task<byte[]> SignDigestAsync(HsmKey key, ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken = default)
    {
        if (sha256Digest.Length != 32) throw new HsmException("a SHA-256 digest is 32 bytes");
        var ecdsa = Get(key, HsmKeyKind.EcP256Signing).Ecdsa!;
        return Task.FromResult(ecdsa.SignHash(sha256Digest.Span, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    public Task<byte[]> WrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> keyMaterial, CancellationToken cancellationToken = default)
    {
        var secret = Get(wrappingKey, HsmKeyKind.Aes256Wrapping).Secret!;
        var output = new byte[NonceSize + keyMaterial.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(secret, TagSize);
        aes.Encrypt(nonce, keyMaterial.Span, output.AsSpan(NonceSize, keyMaterial.Length), output.AsSpan(NonceSize + keyMaterial.Length), WrapContext.For(wrappingKey.Label));
        return Task.FromResult(output);
    }

    public Task<byte[]> UnwrapAsync(HsmKey wrappingKey, ReadOnlyMemory<byte> wrapped, CancellationToken cancellationToken = default)
    {
        var secret = Get(wrappingKey, HsmKeyKind.Aes256Wrapping).Secret!;
        if (wrapped.Length < NonceSize + TagSize) throw new HsmException("the wrapped key is too short");
        var span = wrapped.Span;
        var plain = new byte[wrapped.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(secret, TagSize);
            aes.Decrypt(span[..NonceSize], span.Slice(NonceSize, plain.Length), span[^TagSize..], plain, WrapContext.For(wrappingKey.Label));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new HsmException("the wrapped key failed authentication", e);
        }
        return Task.FromResult(plain);
    }

    public Task<byte[]> MacAsync(HsmKey macKey, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var secret = Get(macKey, HsmKeyKind.HmacSha256).Secret!;
        return Task.FromResult(HMACSHA256.HashData(secret, data.Span));
    }

    private Entry Get(HsmKey key, HsmKeyKind kind)
    {
        if (!_keys.TryGetValue(key.Label, out var entry)) throw new HsmException($"no key labelled '{key.Label}'");
        if (entry.Key.Kind != kind) throw new HsmException($"key '{key.Label}' is a {entry.Key.Kind} key, not {kind}");
        return entry;
    }

    public void Dispose()
    {
        foreach (var entry in _keys.Values) entry.Ecdsa?.Dispose();
        _keys.Clear();
    }
}
