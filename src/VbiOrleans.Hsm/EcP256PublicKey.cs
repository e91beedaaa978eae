using System.Security.Cryptography;

namespace VbiOrleans.Hsm;

/// <summary>
/// Builds the SubjectPublicKeyInfo (DER) of a P-256 public key from what HSMs hand out: the uncompressed point of
/// PKCS#11's CKA_EC_POINT, or the x and y coordinates of a JSON Web Key. Going through <see cref="ECDsa"/> also checks
/// that the point lies on the curve.
/// </summary>
internal static class EcP256PublicKey
{
    private const int CoordinateSize = 32;
    private const byte Uncompressed = 0x04;
    private const byte DerOctetString = 0x04;

    public static byte[] FromCoordinates(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        if (x.Length != CoordinateSize || y.Length != CoordinateSize)
            throw new HsmException($"a P-256 public key has {CoordinateSize}-byte coordinates, got {x.Length} and {y.Length}");
        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = x.ToArray(), Y = y.ToArray() },
            });
            return ecdsa.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException e)
        {
            throw new HsmException("the HSM returned a public key that is not a P-256 point", e);
        }
    }

    /// <summary>
    /// From CKA_EC_POINT: PKCS#11 specifies a DER OCTET STRING around the uncompressed point (04 41 04 x y); some
    /// tokens return the bare point (04 x y). Both are accepted.
    /// </summary>
    public static byte[] FromEcPoint(ReadOnlySpan<byte> ecPoint)
    {
        const int pointSize = 1 + 2 * CoordinateSize;
        var point = ecPoint.Length switch
        {
            pointSize + 2 when ecPoint[0] == DerOctetString && ecPoint[1] == pointSize => ecPoint[2..],
            pointSize => ecPoint,
            _ => throw new HsmException($"CKA_EC_POINT of {ecPoint.Length} bytes is not an uncompressed P-256 point"),
        };
        if (point[0] != Uncompressed) throw new HsmException("CKA_EC_POINT is not an uncompressed point");
        return FromCoordinates(point.Slice(1, CoordinateSize), point.Slice(1 + CoordinateSize, CoordinateSize));
    }
}
