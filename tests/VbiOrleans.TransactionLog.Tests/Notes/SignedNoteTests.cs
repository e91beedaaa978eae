using System.Security.Cryptography;
using CsCheck;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.TransactionLog.Tests.Notes;

public class SignedNoteTests
{
    // The example of c2sp.org/signed-note: an Ed25519 (type 0x01) signature over text that holds an empty line.
    private const string SpecExample =
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n"
        + "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

    [Fact]
    public void TheSpecExampleParsesAtItsLastBlankLineAndEncodesBackExactly()
    {
        var note = SignedNote.Parse(SpecExample).Value;
        Assert.Equal("Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n", note.Text);
        var signature = Assert.Single(note.Signatures);
        Assert.Equal("quasimodo.example/salvatore", signature.KeyName);
        Assert.Equal(0x367ba04bu, signature.KeyHash);
        Assert.Equal(64, signature.Signature.Length);
        Assert.Equal(SpecExample, note.Encode());
    }

    [Fact]
    public void SignaturesFromOtherKeysAreIgnoredAndANoteWithoutOursIsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new NoteVerifier("quasimodo.example/salvatore", key.ExportSubjectPublicKeyInfo());
        Assert.Equal(NoteVerification.NoKnownSignature, SignedNote.Parse(SpecExample).Value.Verify(verifier));
    }

    [Fact]
    public async Task ANoteSignedByTwoKeysVerifiesUnderEachAndOneBadSignatureByAKeyRefusesIt()
    {
        using var k1 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var k2 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var log = new EcdsaNoteSigner("vbi.example/log", k1);
        var witness = new EcdsaNoteSigner("witness.example/w1", k2);
        var note = await SignedNote.SignAsync("vbi.example/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", log, witness);
        var reparsed = SignedNote.Parse(note.Encode()).Value;
        Assert.Equal(NoteVerification.Verified, reparsed.Verify(log.Verifier));
        Assert.Equal(NoteVerification.Verified, reparsed.Verify(witness.Verifier));

        var forged = new SignedNote(note.Text, [note.Signatures[0] with { Signature = note.Signatures[1].Signature }, note.Signatures[1]]);
        Assert.Equal(NoteVerification.SignatureInvalid, forged.Verify(log.Verifier));
        Assert.Equal(NoteVerification.SignatureInvalid, SignedNote.Parse(forged.Encode()).Value.Verify(log.Verifier));
    }

    [Theory]
    [InlineData("text\n— k AAAAAAA=\n", "no blank line")]
    [InlineData("text\n\n", "no signature lines")]
    [InlineData("text\n\n— k AAAAAAA=", "no final newline")]
    [InlineData("text\n\n-- k AAAAAAA=\n", "two hyphens, not an em dash")]
    [InlineData("text\n\n—k AAAAAAA=\n", "no space after the dash")]
    [InlineData("text\n\n— k+1 AAAAAAA=\n", "plus in the key name")]
    [InlineData("text\n\n— k AAAA\n", "signature shorter than key hash + 1 byte")]
    [InlineData("text\n\n— k AAAAAAA\n", "unpadded base64")]
    [InlineData("text\n\n— k AAAAAAB=\n", "non-canonical padding bits")]
    [InlineData("text\n\n— k AAAA AAA=\n", "space inside base64")]
    [InlineData("te\txt\n\n— k AAAAAAA=\n", "a tab")]
    [InlineData("text\r\n\n— k AAAAAAA=\n", "a carriage return")]
    [InlineData("text\n\n— k AAAAAAA=\n\n", "a blank line after the signatures")]
    public void MalformedNotesAreRefusedByName(string note, string why)
    {
        var result = SignedNote.Parse(note);
        Assert.False(result.IsSuccess, why);
        Assert.Equal(LogErrorCode.MalformedText, result.Error.Code);
    }

    [Fact]
    public void InvalidUtf8IsRefused()
    {
        byte[] bytes = [.. "text\n\n— k AAAAAAA=\n"u8];
        bytes[1] = 0xFF;
        Assert.Equal(LogErrorCode.MalformedText, SignedNote.Parse(bytes).Error!.Code);
    }

    [Fact]
    public void AnyTextAndSignaturesRoundTrip()
    {
        var line = Gen.String[Gen.Char['\u0020', '\u2FFF'], 0, 20];
        var text = line.Array[1, 5].Select(lines => string.Concat(lines.Select(l => l + "\n")));
        var name = Gen.String[Gen.Char['!', '~'], 1, 12].Where(n => !n.Contains('+'));
        var signature = Gen.Select(name, Gen.UInt, Gen.Byte.Array[1, 80]).Select((n, h, s) => new NoteSignature(n, h, s));
        Gen.Select(text, signature.Array[1, 4]).Sample((t, signatures) =>
        {
            var note = new SignedNote(t, signatures);
            var parsed = SignedNote.Parse(note.Encode()).Value;
            Assert.Equal(t, parsed.Text);
            Assert.Equal(signatures, parsed.Signatures);
        }, iter: 300);
    }
}
