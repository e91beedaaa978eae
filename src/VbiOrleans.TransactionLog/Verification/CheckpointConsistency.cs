using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.TransactionLog.Verification;

/// <summary>
/// What a third party checks with two checkpoints it fetched at different times and the consistency proof between
/// them (<c>GET /v1/log/proof?from=&amp;to=</c>): that the log only grew in between, without holding any entry.
/// </summary>
public static class CheckpointConsistency
{
    /// <summary>
    /// Opens both signed checkpoints with <paramref name="verifier"/>, and checks that they name the same log, that
    /// <paramref name="older"/> is not larger than <paramref name="newer"/>, and that <paramref name="proof"/> (RFC 9162
    /// section 2.1.4) shows the newer tree to be the older one with entries appended. Returns the newer checkpoint.
    /// </summary>
    public static LogResult<Checkpoint> Verify(string older, string newer, NoteVerifier verifier, IReadOnlyList<byte[]> proof)
    {
        var first = Checkpoint.Open(older, verifier);
        if (!first.IsSuccess) return first.Error with { Message = "the older checkpoint: " + first.Error.Message };
        var second = Checkpoint.Open(newer, verifier);
        if (!second.IsSuccess) return second.Error with { Message = "the newer checkpoint: " + second.Error.Message };
        var (a, b) = (first.Value, second.Value);
        if (a.Origin != b.Origin) return new LogError(LogErrorCode.InvalidField, $"the checkpoints are of two logs: '{a.Origin}' and '{b.Origin}'");
        if (a.Size > b.Size) return new LogError(LogErrorCode.InvalidField, $"the older checkpoint's size {a.Size} is above the newer one's {b.Size}");
        return MerkleTree.VerifyConsistency(a.Size, b.Size, a.RootHash, b.RootHash, proof)
            ? b
            : new LogError(LogErrorCode.Inconsistent, $"the proof does not show the tree of {b.Size} entries to extend the tree of {a.Size}");
    }

    /// <summary>
    /// <see cref="Verify(string, string, NoteVerifier, IReadOnlyList{byte[]})"/> with the proof as the API sends it
    /// (standard base64 hashes); a hash that is not canonical base64 of 32 bytes is malformed.
    /// </summary>
    public static LogResult<Checkpoint> Verify(string older, string newer, NoteVerifier verifier, IReadOnlyList<string> proof)
    {
        var hashes = new List<byte[]>(proof.Count);
        foreach (var text in proof)
        {
            if (SignedNote.DecodeBase64(text) is not { Length: MerkleTree.HashSize } hash)
                return new LogError(LogErrorCode.MalformedText, $"proof hash '{text}' is not canonical base64 of {MerkleTree.HashSize} bytes");
            hashes.Add(hash);
        }
        return Verify(older, newer, verifier, hashes);
    }
}
