using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VbiOrleans.TransactionLog.Notes;

/// <summary>
/// Verifies C2SP signed-note signatures of type 0x02: ECDSA over SHA-256 on NIST P-256, as
/// github.com/transparency-dev/witness and the Sigstore Rekor log implement it (the type C2SP signed-note assigns).
/// <list type="bullet">
/// <item>signature: DER <c>SEQUENCE { r, s }</c> over SHA-256 of the note text;</item>
/// <item>key hash (the 4-byte key ID): the first four bytes, big-endian, of SHA-256 over the DER SubjectPublicKeyInfo
/// (for this type the spec uses the SPKI hash, not the Ed25519 rule of hashing name || 0x0A || type || key);</item>
/// <item>verifier key: <c>name+hash+base64(0x02 || SPKI)</c>, the hash as eight hex digits.</item>
/// </list>
/// So a transparency-dev note verifier built from <see cref="VerifierKey"/> accepts our checkpoints, and ours
/// accepts theirs.
/// </summary>
public sealed class NoteVerifier
{
    public const byte EcdsaSignatureType = 0x02;

    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const int RawPointSize = 64;

    private readonly byte[] _spki;

    /// <param name="keyName">the key name on signature lines: non-empty, no spaces, no '+'</param>
    /// <param name="publicKey">a P-256 public key as DER SubjectPublicKeyInfo, or as the raw point: 65 bytes
    /// 0x04 || X || Y, or 64 bytes X || Y</param>
    public NoteVerifier(string keyName, ReadOnlySpan<byte> publicKey)
    {
        if (!SignedNote.IsValidKeyName(keyName))
        {
            throw new ArgumentException($"'{keyName}' is not a note key name (non-empty, no spaces, no '+')", nameof(keyName));
        }
        KeyName = keyName;
        _spki = ToSpki(publicKey);
        KeyHash = ComputeKeyHash(_spki);
    }

    public string KeyName { get; }

    public uint KeyHash { get; }

    public byte SignatureType => EcdsaSignatureType;

    /// <summary>The public key as DER SubjectPublicKeyInfo.</summary>
    public byte[] PublicKeySpki => (byte[])_spki.Clone();

    /// <summary>The C2SP verifier key string: <c>name+hash+base64(0x02 || SPKI)</c>.</summary>
    public string VerifierKey => $"{KeyName}+{KeyHash:x8}+{Convert.ToBase64String([EcdsaSignatureType, .. _spki])}";

    /// <summary>The key ID of an ECDSA note key: SHA-256(SPKI)[:4] read big-endian.</summary>
    public static uint ComputeKeyHash(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(subjectPublicKeyInfo));

    /// <summary>Reads a verifier key string as <see cref="VerifierKey"/> writes it; the key hash must match the key.</summary>
    public static LogResult<NoteVerifier> FromVerifierKey(string verifierKey)
    {
        // The base64 part may itself contain '+', so cut at the first two only.
        var first = verifierKey.IndexOf('+');
        var second = first < 0 ? -1 : verifierKey.IndexOf('+', first + 1);
        if (second < 0) return Malformed("a verifier key is name+hash+key");
        var name = verifierKey[..first];
        var hashText = verifierKey[(first + 1)..second];
        var keyText = verifierKey[(second + 1)..];
        if (!SignedNote.IsValidKeyName(name)) return Malformed($"'{name}' is not a note key name");
        if (hashText.Length != 8 || !uint.TryParse(hashText, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var hash))
        {
            return Malformed("the key hash is eight hex digits");
        }
        var key = SignedNote.DecodeBase64(keyText);
        if (key is null || key.Length < 2) return Malformed("the key is not canonical base64 of type || key");
        if (key[0] != EcdsaSignatureType)
        {
            return Malformed($"signature type 0x{key[0]:x2} is not supported; only 0x02 (ECDSA P-256, SHA-256)");
        }
        NoteVerifier verifier;
        try
        {
            verifier = new NoteVerifier(name, key.AsSpan(1));
        }
        catch (ArgumentException e)
        {
            return Malformed(e.Message);
        }
        return verifier.KeyHash == hash
            ? verifier
            : Malformed($"key hash {hashText} does not match the key (its hash is {verifier.KeyHash:x8})");
    }

    /// <summary>Does <paramref name="signature"/> (DER) sign <paramref name="message"/> under this key?</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        // A fresh key object per call: ECDsa instances are not documented as safe to share between threads.
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_spki, out _);
        try
        {
            return key.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static LogError Malformed(string message) => new(LogErrorCode.MalformedText, message);

    private static byte[] ToSpki(ReadOnlySpan<byte> publicKey)
    {
        using var key = ECDsa.Create();
        try
        {
            if (publicKey.Length == RawPointSize || (publicKey.Length == RawPointSize + 1 && publicKey[0] == 0x04))
            {
                var point = publicKey[^RawPointSize..];
                key.ImportParameters(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = point[..32].ToArray(), Y = point[32..].ToArray() },
                });
                return key.ExportSubjectPublicKeyInfo();
            }
            key.ImportSubjectPublicKeyInfo(publicKey, out var read);
            if (read != publicKey.Length) throw new ArgumentException("bytes follow the SubjectPublicKeyInfo", nameof(publicKey));
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"not a P-256 public key: {e.Message}", nameof(publicKey), e);
        }
        if (!IsP256(key)) throw new ArgumentException("the key is not on P-256", nameof(publicKey));
        return publicKey.ToArray();
    }

    internal static bool IsP256(ECDsa key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        return curve.IsNamed && (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256");
    }
}
