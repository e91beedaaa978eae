using System.Security.Cryptography;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.TransactionLog.Tests.Notes;

public sealed class EcdsaSignatureEncodingTests
{
    [Fact]
    public void Der_and_raw_convert_into_each_other_for_real_signatures()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // 500 signatures: a few have an r or s shorter than 32 bytes, which DER writes short.
        for (var i = 0; i < 500; i++)
        {
            var raw = key.SignData(BitConverter.GetBytes(i), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var der = EcdsaSignatureEncoding.ToDer(raw);
            Assert.Equal(raw, EcdsaSignatureEncoding.FromDer(der));
            Assert.True(key.VerifyData(BitConverter.GetBytes(i), der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
    }

    [Fact]
    public void Der_signatures_convert_to_fixed_fields_with_short_and_padded_integers()
    {
        // r = 0x7F (one byte), s = 0x80 followed by 31 bytes (DER adds a zero byte: 33 bytes).
        byte[] s = [0x80, .. Enumerable.Repeat((byte)0x11, 31)];
        byte[] der = [0x30, 3 + 35, 0x02, 0x01, 0x7F, 0x02, 0x21, 0x00, .. s];
        var raw = EcdsaSignatureEncoding.FromDer(der);
        Assert.Equal([.. new byte[31], 0x7F], raw[..32]);
        Assert.Equal(s, raw[32..]);
    }

    [Theory]
    [InlineData("3006020101020101FF")] // a byte after the two integers
    [InlineData("3007020101020101")] // the sequence claims more than there is
    [InlineData("300602010102018F")] // a negative integer
    [InlineData("310602010102017F")] // a SET, not a SEQUENCE
    [InlineData("30260201010221010101010101010101010101010101010101010101010101010101010101010101")] // s longer than 32 bytes
    public void Malformed_der_is_refused(string hex)
    {
        Assert.Throws<CryptographicException>(() => EcdsaSignatureEncoding.FromDer(Convert.FromHexString(hex)));
    }
}
