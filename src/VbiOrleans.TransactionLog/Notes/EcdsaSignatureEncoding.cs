using System.Formats.Asn1;
using System.Numerics;

namespace VbiOrleans.TransactionLog.Notes;

/// <summary>
/// Converts a P-256 ECDSA signature from raw r||s (IEEE P1363: what PKCS#11 CKM_ECDSA and Key Vault ES256 return)
/// to DER <c>SEQUENCE { INTEGER r, INTEGER s }</c> (RFC 3279: what signed notes of type 0x02 carry).
/// </summary>
public static class EcdsaSignatureEncoding
{
    public const int P256FieldSize = 32;

    public static byte[] ToDer(ReadOnlySpan<byte> rawRs)
    {
        if (rawRs.Length != 2 * P256FieldSize)
        {
            throw new ArgumentException($"a raw P-256 signature is {2 * P256FieldSize} bytes, got {rawRs.Length}", nameof(rawRs));
        }
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(rawRs[..P256FieldSize], isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(rawRs[P256FieldSize..], isUnsigned: true, isBigEndian: true));
        }
        return writer.Encode();
    }
}
