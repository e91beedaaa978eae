using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using VbiOrleans.Hsm;

namespace VbiOrleans.Grains.Modules;

/// <summary>
/// Signs X.509 certificates with an ECDSA P-256 key that stays in the HSM: the certificate body is hashed here and
/// the digest signed by the HSM; the raw r||s signature is DER-encoded as X.509 requires.
/// </summary>
internal sealed class HsmSignatureGenerator(IHsm hsm, HsmKey key) : X509SignatureGenerator
{
    // AlgorithmIdentifier { ecdsa-with-SHA256 (1.2.840.10045.4.3.2) }, parameters absent (RFC 5758).
    private static readonly byte[] EcdsaWithSha256 = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
        hashAlgorithm == HashAlgorithmName.SHA256 ? EcdsaWithSha256 : throw new ArgumentOutOfRangeException(nameof(hashAlgorithm), "only SHA-256");

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
    {
        // Certificates are issued at provisioning, off the print path; blocking here is brief and rare.
        var raw = hsm.SignDigestAsync(key, SHA256.HashData(data)).GetAwaiter().GetResult();
        return ToDer(raw);
    }

    protected override PublicKey BuildPublicKey() => PublicKey.CreateFromSubjectPublicKeyInfo(key.PublicKey, out _);

    internal static byte[] ToDer(ReadOnlySpan<byte> raw)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(raw[..32], isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(raw[32..], isUnsigned: true, isBigEndian: true));
        }
        return writer.Encode();
    }
}
