using System.Diagnostics.CodeAnalysis;

namespace VbiOrleans.Domain.Meters;

/// <summary>
/// A meter's id: "m-" then 8 to 40 lower-case letters, digits or '-'. The prefix keeps Orleans from reading a
/// digit-only key as an integer, and makes ids recognisable in logs and the archive.
/// </summary>
public readonly record struct MeterId
{
    public string Value { get; }

    private MeterId(string value) => Value = value;

    // Parsed several times a command (package header, checkpoints): a vectorized scan, not a loop of char tests.
    private static readonly System.Buffers.SearchValues<char> IdCharacters = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    public static bool TryParse(string? text, [NotNullWhen(true)] out MeterId? id)
    {
        id = null;
        if (text is null || text.Length is < 10 or > 42 || !text.StartsWith("m-", StringComparison.Ordinal)
            || text.AsSpan(2).ContainsAnyExcept(IdCharacters)) return false;
        id = new MeterId(text);
        return true;
    }

    public static MeterId Parse(string text) =>
        TryParse(text, out var id) ? id.Value : throw new FormatException($"'{text}' is not a meter id (m- then 8 to 40 of a-z, 0-9, -)");

    public static MeterId New() => new("m-" + Guid.NewGuid().ToString("N"));

    public override string ToString() => Value;
}

/// <summary>The device id printed in every indicium: vendor, model and serial of the (virtual) PSD.</summary>
public sealed record DeviceId(string VendorId, string Model, string Serial)
{
    public override string ToString() => $"{VendorId}-{Model}-{Serial}";
}
