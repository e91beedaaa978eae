using System.Security.Cryptography;
using System.Text.RegularExpressions;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.TransactionLog.Tests.Verification;

/// <summary>
/// The worked example of docs/transaction-log.md, read from the document itself: its entry bytes decode to what the
/// text says, hash to its leaf hashes and root, its checkpoint verifies under its verifier key, its key hash is the
/// start of the key's fingerprint, and its consistency proof is the one the code makes. An auditor recomputing the
/// example from the document gets what the code gets.
/// </summary>
public sealed partial class DocumentedExampleTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "transaction-log.md"));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VbiOrleans.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("the repository root (VbiOrleans.sln) is not above the test's directory");
    }

    private static string Captured(Regex pattern) =>
        pattern.Match(Document) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"docs/transaction-log.md lacks {pattern}");

    [GeneratedRegex(@"\nE0=([0-9a-f]+)\n")] private static partial Regex Entry0();
    [GeneratedRegex(@"\nE1=([0-9a-f]+)\n")] private static partial Regex Entry1();
    [GeneratedRegex(@"leaf 0  = SHA-256\(00 ‖ entry 0\) = ([0-9a-f]{64})")] private static partial Regex Leaf0();
    [GeneratedRegex(@"leaf 1  = SHA-256\(00 ‖ entry 1\) = ([0-9a-f]{64})")] private static partial Regex Leaf1();
    [GeneratedRegex(@"= base64 (\S+)\n")] private static partial Regex RootBase64();
    [GeneratedRegex(@"```\n(log\.vbi\.example/v1\n2\n\S+\n\n— [^\n]+\n)```")] private static partial Regex Note();
    [GeneratedRegex(@"\nKEY='([^']+)'")] private static partial Regex Key();
    [GeneratedRegex(@"the proof from 1 to 2 is\s+`\[leaf 1\]` \(`([^`]+)`\)")] private static partial Regex ProofFromOneToTwo();

    [Fact]
    public void The_documented_example_is_what_the_code_computes_and_verifies()
    {
        var e0 = Convert.FromHexString(Captured(Entry0()));
        var e1 = Convert.FromHexString(Captured(Entry1()));
        var first = LogEntry.Decode(e0);
        var second = LogEntry.Decode(e1);
        Assert.True(first.IsSuccess && second.IsSuccess, $"{first.Error} {second.Error}");
        Assert.Equal(new LogEntry(0, "m-0000abcd", 1, LogTransactionKind.PostageValueDownload, 100_000, 0, 100_000, 1_749_999_990_000, "HSM-01", [], []),
            first.Value);
        Assert.Equal(new LogEntry(1, "m-0000abcd", 2, LogTransactionKind.Print, 730, 730, 99_270, 0x1977421c660, "HSM-01", [0xde, 0xad], []),
            second.Value);
        // The print moved the registers as the kinds table says: AR + amount, DR - amount.
        Assert.Equal((first.Value.AscendingAfterMills + 730, first.Value.DescendingAfterMills - 730),
            (second.Value.AscendingAfterMills, second.Value.DescendingAfterMills));

        var leaves = new List<byte[]> { MerkleTree.LeafHash(e0), MerkleTree.LeafHash(e1) };
        Assert.Equal(Captured(Leaf0()), Convert.ToHexStringLower(leaves[0]));
        Assert.Equal(Captured(Leaf1()), Convert.ToHexStringLower(leaves[1]));
        var root = MerkleTree.RootHash(leaves);
        Assert.Equal(Captured(RootBase64()), Convert.ToBase64String(root));

        var keyText = Captured(Key());
        Assert.Contains(keyText, Document.Replace("\n", "", StringComparison.Ordinal));
        var verifier = NoteVerifier.FromVerifierKey(keyText);
        Assert.True(verifier.IsSuccess, verifier.Error?.ToString());
        Assert.True(keyText[(keyText.IndexOf('+') + 1)..].Contains('+', StringComparison.Ordinal), "the example key's base64 holds no '+'");
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(verifier.Value.PublicKeySpki));
        Assert.StartsWith(verifier.Value.KeyHash.ToString("x8"), fingerprint, StringComparison.Ordinal);
        Assert.Contains($"openssl dgst -sha256 key.der               # {fingerprint[..16]}…", Document);

        var note = Captured(Note());
        var checkpoint = Checkpoint.Open(note, verifier.Value);
        Assert.True(checkpoint.IsSuccess, checkpoint.Error?.ToString());
        Assert.Equal(2, checkpoint.Value.Size);
        Assert.Equal(root, checkpoint.Value.RootHash);
        // The signed bytes are origin\nsize\nroot\n, the final newline included.
        Assert.Equal($"log.vbi.example/v1\n2\n{Convert.ToBase64String(root)}\n", SignedNote.Parse(note).Value.Text);

        var proof = MerkleTree.ConsistencyProof(leaves, 1, 2);
        Assert.Equal([Captured(ProofFromOneToTwo())], proof.Select(Convert.ToBase64String));
        Assert.True(MerkleTree.VerifyConsistency(1, 2, leaves[0], root, proof));
    }
}
