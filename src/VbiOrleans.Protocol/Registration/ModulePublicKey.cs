using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace VbiOrleans.Protocol.Registration;

/// <summary>
/// The module identity key's public half as the SDK pins it: a P-256 point, read from a SubjectPublicKeyInfo (DER, as
/// <c>HsmKey.PublicKey</c> holds it) or from a raw uncompressed point (0x04 || X || Y). Importing checks that the point
/// is on the curve.
/// </summary>
public sealed class ModulePublicKey
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private readonly byte[] _point;

    private ModulePublicKey(byte[] point) => _point = point;

    /// <summary>The uncompressed point (65 bytes, a copy).</summary>
    public byte[] UncompressedPoint => _point.ToArray();

    public static ModulePublicKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> der) =>
        TryFromSubjectPublicKeyInfo(der, out var key) ? key : throw new ArgumentException("not the SubjectPublicKeyInfo of a P-256 key", nameof(der));

    public static ModulePublicKey FromUncompressedPoint(ReadOnlySpan<byte> point) =>
        TryFromUncompressedPoint(point, out var key) ? key : throw new ArgumentException("not an uncompressed P-256 point", nameof(point));

    /// <summary>Either form: 65 bytes starting 0x04 is a point, anything else is read as SubjectPublicKeyInfo.</summary>
    public static ModulePublicKey Parse(ReadOnlySpan<byte> bytes) =>
        bytes.Length == ProtocolConstants.PublicPointSize && bytes[0] == 0x04 ? FromUncompressedPoint(bytes) : FromSubjectPublicKeyInfo(bytes);

    public static bool TryFromSubjectPublicKeyInfo(ReadOnlySpan<byte> der, [NotNullWhen(true)] out ModulePublicKey? key)
    {
        key = null;
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(der, out var read);
            if (read != der.Length) return false;
            var p = ecdsa.ExportParameters(false);
            if (p.Curve.Oid?.Value != P256Oid) return false;
            key = new ModulePublicKey(EcPoints.Encode(p.Q));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static bool TryFromUncompressedPoint(ReadOnlySpan<byte> point, [NotNullWhen(true)] out ModulePublicKey? key)
    {
        key = EcPoints.IsValid(point) ? new ModulePublicKey(point.ToArray()) : null;
        return key is not null;
    }

    public byte[] ExportSubjectPublicKeyInfo()
    {
        using var ecdsa = ECDsa.Create(EcPoints.Parameters(_point));
        return ecdsa.ExportSubjectPublicKeyInfo();
    }

    /// <summary>ECDSA P-256 verification of a raw r||s signature over a SHA-256 digest.</summary>
    internal bool VerifyDigest(ReadOnlySpan<byte> sha256Digest, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != ProtocolConstants.SignatureSize) return false;
        using var ecdsa = ECDsa.Create(EcPoints.Parameters(_point));
        return ecdsa.VerifyHash(sha256Digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    internal bool SameAs(ModulePublicKey other) => _point.AsSpan().SequenceEqual(other._point);
}

/// <summary>Uncompressed P-256 points: encoding, and the on-curve check every received point goes through.</summary>
internal static class EcPoints
{
    public static byte[] Encode(ECPoint q) => [0x04, .. q.X!, .. q.Y!];

    public static ECParameters Parameters(ReadOnlySpan<byte> point) => new()
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = point.Slice(1, 32).ToArray(), Y = point.Slice(33, 32).ToArray() },
    };

    public static bool IsValid(ReadOnlySpan<byte> point)
    {
        if (point.Length != ProtocolConstants.PublicPointSize || point[0] != 0x04) return false;
        try
        {
            using var ecdh = ECDiffieHellman.Create(Parameters(point));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static ECDiffieHellman Import(ReadOnlySpan<byte> point) => ECDiffieHellman.Create(Parameters(point));
}
