using System.Diagnostics.CodeAnalysis;

namespace VbiOrleans.Protocol.Wire;

/// <summary>Why bytes (or a JSON form) did not decode. Stable names; new ones are added at the end.</summary>
public enum DecodeError
{
    None = 0,
    /// <summary>The input ended inside a field.</summary>
    Truncated = 1,
    /// <summary>The type byte names another message.</summary>
    WrongMessageType = 2,
    /// <summary>The version byte is not <see cref="ProtocolConstants.Version"/>.</summary>
    UnsupportedVersion = 3,
    /// <summary>A field is present but not allowed: wrong size, out of range, bad UTF-8 or base64, broken rule.</summary>
    InvalidField = 4,
    /// <summary>Bytes follow the last field.</summary>
    TrailingBytes = 5,
    /// <summary>A required field of a JSON form is missing.</summary>
    MissingField = 6,
}

/// <summary>The result of decoding: a value, or a named <see cref="DecodeError"/> and the field it was found in.</summary>
public readonly record struct Decoded<T>(T? Value, DecodeError Error, string? Field)
    where T : class
{
    [MemberNotNullWhen(true, nameof(Value))]
    public bool IsSuccess => Error == DecodeError.None && Value is not null;

    public static Decoded<T> Ok(T value) => new(value, DecodeError.None, null);

    public static Decoded<T> Fail(DecodeError error, string? field) => new(null, error, field);

    public override string ToString() => IsSuccess ? $"Ok({Value})" : $"{Error}({Field})";
}
