using System.Formats.Asn1;
using System.Numerics;

namespace VbiOrleans.TransactionLog.Notes;

/// <summary>
/// Converts a P-256 ECDSA signature between raw r||s (IEEE P1363: what PKCS#11 CKM_ECDSA and Key Vault ES256 return,
/// and what indicia carry) and DER <c>SEQUENCE { INTEGER r, INTEGER s }</c> (RFC 3279: what signed notes of type 0x02
/// carry, and what OpenSSL's <c>EVP_PKEY_sign</c> returns).
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

    /// <summary>
    /// The r||s form of a DER signature, each integer left-padded to 32 bytes. Throws
    /// <see cref="System.Security.Cryptography.CryptographicException"/> for anything that is not a DER sequence of
    /// two non-negative integers of at most 32 bytes, with nothing after it.
    /// </summary>
    public static byte[] FromDer(ReadOnlySpan<byte> der)
    {
        var raw = new byte[2 * P256FieldSize];
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            ReadInteger(sequence, raw.AsSpan(0, P256FieldSize));
            ReadInteger(sequence, raw.AsSpan(P256FieldSize));
            sequence.ThrowIfNotEmpty();
        }
        catch (AsnContentException e)
        {
            throw new System.Security.Cryptography.CryptographicException($"not a DER ECDSA P-256 signature: {e.Message}", e);
        }
        return raw;
    }

    private static void ReadInteger(AsnReader sequence, Span<byte> field)
    {
        var value = sequence.ReadIntegerBytes().Span;
        if ((value[0] & 0x80) != 0) throw new System.Security.Cryptography.CryptographicException("not a DER ECDSA P-256 signature: an integer is negative");
        // DER keeps one leading zero when the top bit of the next byte is set.
        if (value.Length > 1 && value[0] == 0) value = value[1..];
        if (value.Length > field.Length) throw new System.Security.Cryptography.CryptographicException("not a DER ECDSA P-256 signature: an integer is longer than the field");
        value.CopyTo(field[(field.Length - value.Length)..]);
    }
}
