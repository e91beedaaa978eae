using System.Security.Cryptography;
using VbiOrleans.Grains.Modules;

namespace VbiOrleans.Grains.Tests.Modules;

public sealed class IndiciumSignerTests
{
    private static (ECDsa Key, IndiciumSigner Signer) NewSigner()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key, IndiciumSigner.FromPkcs8(key.ExportPkcs8PrivateKey()));
    }

    [Fact]
    public void On_linux_the_signer_keeps_an_openssl_context()
    {
        // The CI machine is Debian with OpenSSL 3: the fast path is the one under test there.
        Assert.True(OperatingSystem.IsLinux());
        Assert.True(NewSigner().Signer.KeepsContext);
    }

    [Fact]
    public void Every_signature_verifies_with_the_meters_public_key_and_none_verifies_other_data()
    {
        var (key, signer) = NewSigner();
        var signatures = new HashSet<string>();
        // 2,000 signatures: about 16 of them have an r or s shorter than 32 bytes, which DER writes short.
        for (var i = 0; i < 2000; i++)
        {
            var data = RandomNumberGenerator.GetBytes(40 + i % 90);
            var signature = signer.Sign(data);
            Assert.Equal(IndiciumSigner.SignatureSize, signature.Length);
            Assert.True(key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), $"signature {i}");
            data[0] ^= 1;
            Assert.False(key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), $"altered data {i}");
            Assert.True(signatures.Add(Convert.ToHexString(signature)), "a signature repeated: the nonce is not fresh");
        }
    }

    [Fact]
    public void Signing_from_many_threads_at_once_gives_valid_signatures()
    {
        var (key, signer) = NewSigner();
        var data = "vbi indicium"u8.ToArray();
        var signatures = new byte[400][];
        Parallel.For(0, signatures.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => signatures[i] = signer.Sign(data));
        Assert.All(signatures, s => Assert.True(key.VerifyData(data, s, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));
    }

    [Fact]
    public void A_key_that_is_not_p256_is_refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<CryptographicException>(() => IndiciumSigner.FromPkcs8(p384.ExportPkcs8PrivateKey()));
    }
}
