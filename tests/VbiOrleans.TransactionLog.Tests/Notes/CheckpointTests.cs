using System.Security.Cryptography;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.TransactionLog.Tests.Notes;

public class CheckpointTests
{
    // The example of c2sp.org/tlog-checkpoint.
    private const string SpecText = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    [Fact]
    public void TheSpecExampleParsesAndEncodesBackExactly()
    {
        var checkpoint = Checkpoint.Parse(SpecText).Value;
        Assert.Equal("example.com/behind-the-sofa", checkpoint.Origin);
        Assert.Equal(20852163, checkpoint.Size);
        Assert.Equal(Convert.FromBase64String("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="), checkpoint.RootHash);
        Assert.Empty(checkpoint.Extensions);
        Assert.Equal(SpecText, checkpoint.ToNoteText());
    }

    [Fact]
    public void ExtensionLinesRoundTrip()
    {
        var checkpoint = new Checkpoint("vbi.example/log", 0, MerkleTree.EmptyRoot, ["Timestamp: 1", "x"]);
        Assert.Equal("vbi.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nTimestamp: 1\nx\n", checkpoint.ToNoteText());
        Assert.Equal(checkpoint, Checkpoint.Parse(checkpoint.ToNoteText()).Value);
    }

    [Theory]
    [InlineData("o\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "leading zero")]
    [InlineData("o\n+5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "sign")]
    [InlineData("o\n 5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "space")]
    [InlineData("o\n\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "empty size")]
    [InlineData("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "unpadded root")]
    [InlineData("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n", "31-byte root")]
    [InlineData("o\n5\n", "two lines")]
    [InlineData("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "no final newline")]
    [InlineData("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "empty extension line")]
    [InlineData("\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "empty origin")]
    public void MalformedCheckpointsAreRefused(string text, string why)
    {
        Assert.False(Checkpoint.Parse(text).IsSuccess, why);
    }

    [Fact]
    public void ASizeBeyondALongIsRefusedAsOutOfRange()
    {
        var result = Checkpoint.Parse("o\n18446744073709551615\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
        Assert.Equal(LogErrorCode.InvalidField, result.Error!.Code);
        Assert.Equal(long.MaxValue, Checkpoint.Parse($"o\n{long.MaxValue}\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n").Value.Size);
    }

    [Fact]
    public async Task ASignedCheckpointOpensOnlyUnderItsKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new EcdsaNoteSigner("vbi.example/log", key);
        var checkpoint = new Checkpoint("vbi.example/log", 3, MerkleTree.LeafHash([1]));
        var note = (await checkpoint.SignAsync(signer)).Encode();

        Assert.Equal(checkpoint, Checkpoint.Open(note, signer.Verifier).Value);
        Assert.Equal(LogErrorCode.NoKnownSignature, Checkpoint.Open(note, new EcdsaNoteSigner("vbi.example/log", other).Verifier).Error!.Code);
        Assert.Equal(LogErrorCode.SignatureInvalid, Checkpoint.Open(note.Replace("\n3\n", "\n4\n"), signer.Verifier).Error!.Code);
    }
}
