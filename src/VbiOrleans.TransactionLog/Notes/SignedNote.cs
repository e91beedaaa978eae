using System.Buffers.Binary;
using System.Text;

namespace VbiOrleans.TransactionLog.Notes;

/// <summary>One signature line: <c>— &lt;key name&gt; base64(key hash || signature)</c>.</summary>
public sealed record NoteSignature(string KeyName, uint KeyHash, byte[] Signature)
{
    public bool Equals(NoteSignature? other) =>
        other is not null && KeyName == other.KeyName && KeyHash == other.KeyHash && Signature.AsSpan().SequenceEqual(other.Signature);

    public override int GetHashCode() => HashCode.Combine(KeyName, KeyHash, Signature.Length);
}

/// <summary>What <see cref="SignedNote.Verify"/> found.</summary>
public enum NoteVerification
{
    /// <summary>At least one signature by the verifier's key, and every one of them verifies.</summary>
    Verified = 1,
    /// <summary>No signature line carries the verifier's key name and key hash together.</summary>
    NoKnownSignature = 2,
    /// <summary>A signature line by the verifier's key does not verify; the whole note is refused.</summary>
    SignatureInvalid = 3,
}

/// <summary>
/// A C2SP signed note (c2sp.org/signed-note): UTF-8 text ending in a newline, a blank line, then one or more lines
/// <c>— &lt;key name&gt; &lt;base64(32-bit big-endian key hash || signature)&gt;</c>, the dash being U+2014 EM DASH.
/// The signed message is the text including its final newline and excluding the blank line. The note holds no
/// ASCII control character but the newline. Parsing splits at the last blank line, as the text may contain empty
/// lines itself, and refuses anything not byte-for-byte in this form.
/// </summary>
public sealed class SignedNote
{
    /// <summary>Signature lines accepted when parsing (the spec asks verifiers to accept at least 16).</summary>
    public const int MaxSignatures = 100;

    private const string SignaturePrefix = "\u2014 ";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        if (TextProblem(text) is { } problem) throw new ArgumentException(problem, nameof(text));
        if (signatures.Count is 0 or > MaxSignatures)
        {
            throw new ArgumentException($"a note carries 1 to {MaxSignatures} signatures", nameof(signatures));
        }
        foreach (var s in signatures)
        {
            if (!IsValidKeyName(s.KeyName)) throw new ArgumentException($"'{s.KeyName}' is not a note key name", nameof(signatures));
            if (s.Signature.Length == 0) throw new ArgumentException("a signature is not empty", nameof(signatures));
        }
        Text = text;
        Signatures = [.. signatures];
    }

    /// <summary>The signed text, ending in a newline.</summary>
    public string Text { get; }

    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Signs <paramref name="text"/> with each signer in turn.</summary>
    public static async Task<SignedNote> SignAsync(string text, params IReadOnlyList<INoteSigner> signers)
    {
        if (TextProblem(text) is { } problem) throw new ArgumentException(problem, nameof(text));
        var message = StrictUtf8.GetBytes(text);
        var signatures = new List<NoteSignature>(signers.Count);
        foreach (var signer in signers)
        {
            var signature = await signer.SignAsync(message).ConfigureAwait(false);
            signatures.Add(new NoteSignature(signer.KeyName, signer.KeyHash, signature));
        }
        return new SignedNote(text, signatures);
    }

    /// <summary>The note as it is stored and exchanged.</summary>
    public string Encode()
    {
        var b = new StringBuilder(Text).Append('\n');
        foreach (var s in Signatures)
        {
            var blob = new byte[4 + s.Signature.Length];
            BinaryPrimitives.WriteUInt32BigEndian(blob, s.KeyHash);
            s.Signature.CopyTo(blob, 4);
            b.Append(SignaturePrefix).Append(s.KeyName).Append(' ').Append(Convert.ToBase64String(blob)).Append('\n');
        }
        return b.ToString();
    }

    public byte[] EncodeUtf8() => StrictUtf8.GetBytes(Encode());

    public static LogResult<SignedNote> Parse(string note)
    {
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(note);
        }
        catch (EncoderFallbackException)
        {
            return Malformed("the note is not valid Unicode");
        }
        return Parse(bytes);
    }

    public static LogResult<SignedNote> Parse(ReadOnlySpan<byte> utf8)
    {
        string note;
        try
        {
            note = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            return Malformed("the note is not UTF-8");
        }
        if (ControlCharacter(note) is { } bad) return Malformed($"the note holds control character U+{(int)bad:X4}");

        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0) return Malformed("no blank line separates the text from the signatures");
        var text = note[..(split + 1)];
        var block = note[(split + 2)..];
        if (block.Length == 0) return Malformed("the note has no signature lines");
        if (block[^1] != '\n') return Malformed("the last signature line does not end in a newline");

        var lines = block[..^1].Split('\n');
        if (lines.Length > MaxSignatures) return Malformed($"the note has {lines.Length} signatures, at most {MaxSignatures} are read");
        var signatures = new List<NoteSignature>(lines.Length);
        foreach (var line in lines)
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
            {
                return Malformed($"signature line '{line}' does not start with an em dash and a space");
            }
            var rest = line[SignaturePrefix.Length..];
            var space = rest.IndexOf(' ');
            if (space < 0) return Malformed($"signature line '{line}' has no space between key name and signature");
            var name = rest[..space];
            if (!IsValidKeyName(name)) return Malformed($"'{name}' is not a note key name");
            var blob = DecodeBase64(rest[(space + 1)..]);
            if (blob is null || blob.Length < 5) return Malformed($"the signature of '{name}' is not canonical base64 of key hash and signature");
            signatures.Add(new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(blob), blob[4..]));
        }
        return new SignedNote(text, signatures);
    }

    /// <summary>
    /// Checks the signatures by <paramref name="verifier"/>'s key (same name and same key hash); others are ignored,
    /// as the spec requires (they may be witnesses, or a rotated key). One bad signature by the key refuses the note.
    /// </summary>
    public NoteVerification Verify(NoteVerifier verifier)
    {
        var message = StrictUtf8.GetBytes(Text);
        var verified = false;
        foreach (var s in Signatures)
        {
            if (s.KeyName != verifier.KeyName || s.KeyHash != verifier.KeyHash) continue;
            if (!verifier.Verify(message, s.Signature)) return NoteVerification.SignatureInvalid;
            verified = true;
        }
        return verified ? NoteVerification.Verified : NoteVerification.NoKnownSignature;
    }

    /// <summary>Key names are non-empty and hold no Unicode space, no '+' and no control character.</summary>
    public static bool IsValidKeyName(string? name) =>
        !string.IsNullOrEmpty(name) && !name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '+');

    /// <summary>Standard base64 (RFC 4648 section 4) in its one canonical spelling, or null.</summary>
    internal static byte[]? DecodeBase64(string text)
    {
        if (text.Length == 0 || text.Length % 4 != 0) return null;
        var bytes = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64String(text, bytes, out var written)) return null;
        var result = bytes[..written];
        // Convert ignores white space and accepts non-zero padding bits; only the canonical spelling is accepted.
        return Convert.ToBase64String(result) == text ? result : null;
    }

    internal static string? TextProblem(string text)
    {
        if (text.Length == 0 || text[^1] != '\n') return "note text ends in a newline";
        if (ControlCharacter(text) is { } bad) return $"note text holds control character U+{(int)bad:X4}";
        try
        {
            StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            return "note text is not valid Unicode";
        }
        return null;
    }

    private static char? ControlCharacter(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 && c != '\n') return c;
        }
        return null;
    }

    private static LogError Malformed(string message) => new(LogErrorCode.MalformedText, message);
}
