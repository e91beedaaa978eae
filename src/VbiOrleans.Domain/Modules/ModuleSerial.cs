using System.Diagnostics.CodeAnalysis;

namespace VbiOrleans.Domain.Modules;

/// <summary>
/// The serial number of a crypto module: 4 to 32 characters, upper-case letters, digits and '-'.
/// The seed's module table keys modules by serial (e.g. 34576590); letters allow HSM partition names.
/// </summary>
public readonly record struct ModuleSerial
{
    public const int MinLength = 4;
    public const int MaxLength = 32;

    public string Value { get; }

    private ModuleSerial(string value) => Value = value;

    public static bool TryParse(string? text, [NotNullWhen(true)] out ModuleSerial? serial, out string? problem)
    {
        serial = null;
        problem = null;
        if (string.IsNullOrEmpty(text))
        {
            problem = "the module serial is required";
            return false;
        }
        if (text.Length is < MinLength or > MaxLength)
        {
            problem = $"the module serial must be {MinLength} to {MaxLength} characters long";
            return false;
        }
        foreach (var c in text)
        {
            if (!(char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c) || c == '-'))
            {
                problem = "the module serial may contain only upper-case letters A-Z, digits and '-'";
                return false;
            }
        }
        if (text[0] == '-' || text[^1] == '-')
        {
            problem = "the module serial may not begin or end with '-'";
            return false;
        }
        serial = new ModuleSerial(text);
        return true;
    }

    public static ModuleSerial Parse(string text) =>
        TryParse(text, out var serial, out var problem) ? serial.Value : throw new FormatException(problem);

    /// <summary>The grain key: prefixed so a digit-only serial is never read as an integer key.</summary>
    public string GrainKey => "cm-" + Value;

    public override string ToString() => Value;
}
