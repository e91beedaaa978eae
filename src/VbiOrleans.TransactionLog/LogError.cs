using System.Diagnostics.CodeAnalysis;

namespace VbiOrleans.TransactionLog;

/// <summary>
/// Why bytes or text from the archive were refused. Names are stable: tools print them, so members are never
/// renamed or renumbered; new ones go at the end.
/// </summary>
public enum LogErrorCode
{
    /// <summary>The input ends before the structure it declares.</summary>
    Truncated = 1,
    /// <summary>Bytes follow the end of the structure.</summary>
    TrailingBytes = 2,
    /// <summary>The file does not start with the segment magic.</summary>
    BadMagic = 3,
    /// <summary>A version this code does not read.</summary>
    UnsupportedVersion = 4,
    /// <summary>A field holds a value outside its allowed range or form.</summary>
    InvalidField = 5,
    /// <summary>A length prefix is outside its allowed range.</summary>
    LengthOutOfRange = 6,
    /// <summary>An entry's bytes do not hash to the leaf hash recorded beside them.</summary>
    LeafHashMismatch = 7,
    /// <summary>The segment's SHA-256 trailer does not match its contents.</summary>
    ChecksumMismatch = 8,
    /// <summary>An entry's own index is not its position in the log.</summary>
    IndexMismatch = 9,
    /// <summary>Text that must be a signed note, a checkpoint or a verifier key is not well formed.</summary>
    MalformedText = 10,
    /// <summary>No signature on the note is by the verifier's key (same name and key hash).</summary>
    NoKnownSignature = 11,
    /// <summary>A signature by the verifier's key does not verify.</summary>
    SignatureInvalid = 12,
    /// <summary>AES-GCM refused the secret-bearing payload: wrong key, or moved or edited ciphertext.</summary>
    SecretTampered = 13,
    /// <summary>A consistency proof does not show the newer checkpoint's tree to extend the older one's.</summary>
    Inconsistent = 14,
}

/// <summary>A refusal with its name, a sentence for a person and, where it concerns one, the entry's index.</summary>
public sealed record LogError(LogErrorCode Code, string Message, long? EntryIndex = null)
{
    public override string ToString() =>
        EntryIndex is { } index ? $"{Code} at entry {index}: {Message}" : $"{Code}: {Message}";
}

/// <summary>Either a value or a named <see cref="LogError"/>; refusals are results, not exceptions.</summary>
public readonly struct LogResult<T>
{
    private readonly T? _value;

    private LogResult(T? value, LogError? error)
    {
        _value = value;
        Error = error;
    }

    public LogError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public T Value => IsSuccess ? _value! : throw new InvalidOperationException($"no value: {Error}");

    public static implicit operator LogResult<T>(T value) => new(value, null);
    public static implicit operator LogResult<T>(LogError error) => new(default, error);
}
