using System.Globalization;
using System.Text;
using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.ProviderFiles;

/// <summary>
/// What every provider file of ours shares (docs/provider-files.md): ASCII text, one record a line ending in LF,
/// fields separated by '|', the record type first. Text fields are cleaned so they never hold the separator, a line
/// break or a non-ASCII character; amounts are integer mills; times are UTC with microseconds.
/// </summary>
public static class ProviderFileText
{
    public const char Separator = '|';

    /// <summary>The longest text field; longer values are cut.</summary>
    public const int MaxTextField = 100;

    /// <summary>A text field as written: printable ASCII only ('|' and other characters become a space), trimmed, at most <see cref="MaxTextField"/>.</summary>
    public static string Text(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var b = new StringBuilder(Math.Min(value.Length, MaxTextField));
        foreach (var c in value)
        {
            if (b.Length == MaxTextField) break;
            b.Append(c is >= ' ' and <= '~' and not Separator ? c : ' ');
        }
        return b.ToString().Trim();
    }

    public static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Line(params string[] fields) => string.Join(Separator, fields) + "\n";

    public static byte[] Bytes(StringBuilder text) => Encoding.ASCII.GetBytes(text.ToString());

    /// <summary>The file's lines split into fields; a file that is not ASCII, or does not end its last line, fails.</summary>
    public static Result<IReadOnlyList<string[]>> Lines(ReadOnlySpan<byte> file, string what)
    {
        foreach (var b in file)
        {
            if (b is (< 0x20 and not 0x0A) or > 0x7E) return Fail(what, "holds a byte that is not printable ASCII");
        }
        if (file.Length == 0 || file[^1] != 0x0A) return Fail(what, "does not end with a line feed");
        var text = Encoding.ASCII.GetString(file[..^1]);
        return text.Split('\n').Select(l => l.Split(Separator)).ToList();
    }

    public static bool TryNumber(string field, out long value) =>
        long.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryTime(string field, out DateTimeOffset at) =>
        DateTimeOffset.TryParseExact(field, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);

    public static bool TryDay(string field, out DateOnly day) =>
        DateOnly.TryParseExact(field, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    public static DomainError Fail(string what, string why) => new(ErrorCode.ProviderFileMalformed, $"{what} {why}");
}
