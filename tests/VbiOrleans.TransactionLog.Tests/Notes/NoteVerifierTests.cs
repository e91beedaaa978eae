using System.Security.Cryptography;
using System.Text;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.TransactionLog.Tests.Notes;

/// <summary>
/// Signature type 0x02 is the one C2SP signed-note assigns to ECDSA "as implemented by transparency-dev/witness";
/// the Sigstore Rekor log signs its checkpoints that way. Its real checkpoints (test vectors of
/// transparency-dev/formats and sigstore clients) must verify with our code, or ours are not the format we claim.
/// </summary>
public class NoteVerifierTests
{
    private const string RekorVerifierKey =
        "rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=";

    private const string RekorNote =
        "Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n"
        + "— rekor.sigstore.dev wNI9ajBEAiARInWIWyCdyG27CO6LPnPekyw20qO0YJfoaPaowGp/XgIgc+qEHS3+GKVClgqq20uDLet7MCoTURUCRdxwWBHHufk=\n";

    private const string RekorCheckpoint =
        "rekor.sigstore.dev - 2605736670972794746\n90244708\nCOSIc1jqxpbuuTChPdiTqtZBBve7GAVJqTYjqAaM940=\n\n"
        + "— rekor.sigstore.dev wNI9ajBEAiAkKWVCpp/N5yF/GlQkAyKQxUsjc3Vpu04YyALJvrBsvAIgcZfXJsJdwLdgUAWwnekWg8YXS4gfz/DM1wVhhcouJBE=\n";

    [Fact]
    public void RekorsVerifierKeyAndCheckpointsVerify()
    {
        var verifier = NoteVerifier.FromVerifierKey(RekorVerifierKey).Value;
        Assert.Equal("rekor.sigstore.dev", verifier.KeyName);
        Assert.Equal(0xc0d23d6au, verifier.KeyHash);
        Assert.Equal(RekorVerifierKey, verifier.VerifierKey);

        Assert.Equal(NoteVerification.Verified, SignedNote.Parse(RekorNote).Value.Verify(verifier));
        var checkpoint = Checkpoint.Open(RekorCheckpoint, verifier).Value;
        Assert.Equal("rekor.sigstore.dev - 2605736670972794746", checkpoint.Origin);
        Assert.Equal(90244708, checkpoint.Size);

        var edited = RekorCheckpoint.Replace("90244708", "90244709");
        Assert.Equal(LogErrorCode.SignatureInvalid, Checkpoint.Open(edited, verifier).Error!.Code);
    }

    [Fact]
    public void TheKeyHashIsTheSha256OfTheSubjectPublicKeyInfo()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        var verifier = new NoteVerifier("vbi.example/log", spki);
        var digest = SHA256.HashData(spki);
        Assert.Equal((uint)(digest[0] << 24 | digest[1] << 16 | digest[2] << 8 | digest[3]), verifier.KeyHash);
        Assert.Equal(NoteVerifier.EcdsaSignatureType, verifier.SignatureType);
        Assert.StartsWith($"vbi.example/log+{verifier.KeyHash:x8}+Aj", verifier.VerifierKey, StringComparison.Ordinal);
    }

    [Fact]
    public void ARawPointGivesTheSameVerifierAsItsSpki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = key.ExportParameters(false).Q;
        var fromSpki = new NoteVerifier("vbi.example/log", key.ExportSubjectPublicKeyInfo());
        var fromPoint = new NoteVerifier("vbi.example/log", [0x04, .. q.X!, .. q.Y!]);
        var fromXy = new NoteVerifier("vbi.example/log", [.. q.X!, .. q.Y!]);
        Assert.Equal(fromSpki.VerifierKey, fromPoint.VerifierKey);
        Assert.Equal(fromSpki.VerifierKey, fromXy.VerifierKey);
    }

    [Fact]
    public void KeysOffP256AndBadNamesAreRefused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => new NoteVerifier("log", p384.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => new EcdsaNoteSigner("log", p384));
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => new NoteVerifier("log", new byte[64]));
        Assert.Throws<ArgumentException>(() => new NoteVerifier("a+b", p256.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => new NoteVerifier("a b", p256.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => new NoteVerifier("", p256.ExportSubjectPublicKeyInfo()));
    }

    [Theory]
    [InlineData("rekor.sigstore.dev+12345678+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=")]
    [InlineData("rekor.sigstore.dev+c0d23d6a+AVBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=")]
    [InlineData("rekor.sigstore.dev+c0d23d6")]
    [InlineData("rekor.sigstore.dev+c0d23d6a+not base64")]
    [InlineData("+c0d23d6a+AjBZ")]
    public void MalformedVerifierKeysAreRefusedByName(string verifierKey)
    {
        Assert.Equal(LogErrorCode.MalformedText, NoteVerifier.FromVerifierKey(verifierKey).Error!.Code);
    }

    [Fact]
    public async Task ARawHsmSignatureConvertedToDerVerifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new NoteVerifier("vbi.example/log", key.ExportSubjectPublicKeyInfo());
        var message = Encoding.UTF8.GetBytes("vbi.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
        for (var i = 0; i < 50; i++)
        {
            // r or s with a high bit or leading zero bytes takes each DER integer path.
            var raw = key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            Assert.True(verifier.Verify(message, EcdsaSignatureEncoding.ToDer(raw)));
        }
        var signer = new EcdsaNoteSigner("vbi.example/log", key);
        var signature = await signer.SignAsync(message);
        Assert.True(verifier.Verify(message, signature));
        Assert.False(verifier.Verify(message, new byte[70]));
        Assert.False(verifier.Verify(message, []));
    }
}
