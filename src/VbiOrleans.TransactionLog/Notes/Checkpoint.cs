using System.Globalization;
using VbiOrleans.TransactionLog.Merkle;

namespace VbiOrleans.TransactionLog.Notes;

/// <summary>
/// A transaction-log checkpoint in the C2SP tlog-checkpoint form (c2sp.org/tlog-checkpoint): the note text
/// <code>
/// &lt;origin&gt;
/// &lt;tree size, decimal, no leading zeros&gt;
/// &lt;base64 of the RFC 6962 root hash&gt;
/// [extension lines]
/// </code>
/// every line non-empty and ending in a newline, signed as a <see cref="SignedNote"/> by the module identity key.
/// Not to be confused with the module's per-meter MAC'd checkpoint: this one commits to the whole log.
/// The spec allows sizes up to 2^64-1; this log stops at 2^63-1 (a <c>long</c>), and refuses larger ones.
/// </summary>
public sealed record Checkpoint
{
    private readonly byte[] _rootHash;

    public Checkpoint(string origin, long size, ReadOnlySpan<byte> rootHash, IReadOnlyList<string>? extensions = null)
    {
        if (LineProblem(origin) is { } originProblem) throw new ArgumentException($"origin: {originProblem}", nameof(origin));
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (rootHash.Length != MerkleTree.HashSize)
        {
            throw new ArgumentException($"the root hash is {MerkleTree.HashSize} bytes, got {rootHash.Length}", nameof(rootHash));
        }
        extensions ??= [];
        foreach (var line in extensions)
        {
            if (LineProblem(line) is { } problem) throw new ArgumentException($"extension line: {problem}", nameof(extensions));
        }
        Origin = origin;
        Size = size;
        _rootHash = rootHash.ToArray();
        Extensions = [.. extensions];
    }

    /// <summary>The log's identity; by convention also the signing key's name.</summary>
    public string Origin { get; }

    /// <summary>The number of entries the root commits to.</summary>
    public long Size { get; }

    public byte[] RootHash => (byte[])_rootHash.Clone();

    /// <summary>Opaque extra lines; C2SP does not recommend them, and this log writes none.</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The note text, ending in a newline.</summary>
    public string ToNoteText()
    {
        var text = $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(_rootHash)}\n";
        return Extensions.Count == 0 ? text : text + string.Concat(Extensions.Select(e => e + "\n"));
    }

    public Task<SignedNote> SignAsync(INoteSigner signer) => SignedNote.SignAsync(ToNoteText(), signer);

    /// <summary>Reads checkpoint note text (not the signatures: see <see cref="Open(SignedNote, NoteVerifier)"/>).</summary>
    public static LogResult<Checkpoint> Parse(string text)
    {
        if (SignedNote.TextProblem(text) is { } problem) return Malformed(problem);
        var lines = text[..^1].Split('\n');
        if (lines.Length < 3) return Malformed($"a checkpoint has at least three lines, this has {lines.Length}");
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) return Malformed($"line {i + 1} is empty");
        }

        var sizeText = lines[1];
        if (!sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0'))
        {
            return Malformed($"tree size '{sizeText}' is not a decimal number without leading zeros");
        }
        if (!long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            return new LogError(LogErrorCode.InvalidField, $"tree size {sizeText} is beyond 2^63-1");
        }
        var root = SignedNote.DecodeBase64(lines[2]);
        if (root is null || root.Length != MerkleTree.HashSize)
        {
            return Malformed($"root hash '{lines[2]}' is not canonical base64 of {MerkleTree.HashSize} bytes");
        }
        return new Checkpoint(lines[0], size, root, lines[3..]);
    }

    /// <summary>Parses a signed checkpoint and checks it is signed by <paramref name="verifier"/>'s key.</summary>
    public static LogResult<Checkpoint> Open(string signedNote, NoteVerifier verifier)
    {
        var note = SignedNote.Parse(signedNote);
        return note.IsSuccess ? Open(note.Value, verifier) : note.Error;
    }

    public static LogResult<Checkpoint> Open(SignedNote note, NoteVerifier verifier) =>
        note.Verify(verifier) switch
        {
            NoteVerification.Verified => Parse(note.Text),
            NoteVerification.SignatureInvalid =>
                new LogError(LogErrorCode.SignatureInvalid, $"the signature by {verifier.KeyName} ({verifier.KeyHash:x8}) does not verify"),
            _ => new LogError(LogErrorCode.NoKnownSignature, $"no signature by {verifier.KeyName} ({verifier.KeyHash:x8})"),
        };

    public bool Equals(Checkpoint? other) =>
        other is not null && Origin == other.Origin && Size == other.Size && _rootHash.AsSpan().SequenceEqual(other._rootHash)
        && Extensions.SequenceEqual(other.Extensions);

    public override int GetHashCode() => HashCode.Combine(Origin, Size, BitConverter.ToInt32(_rootHash));

    public override string ToString() => $"{Origin} {Size} {Convert.ToBase64String(_rootHash)}";

    private static string? LineProblem(string line)
    {
        if (string.IsNullOrEmpty(line)) return "empty";
        return line.Any(c => c < 0x20) ? "holds a newline or control character" : null;
    }

    private static LogError Malformed(string message) => new(LogErrorCode.MalformedText, message);
}
