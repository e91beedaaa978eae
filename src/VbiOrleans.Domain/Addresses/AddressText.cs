using System.Text;

namespace VbiOrleans.Domain.Addresses;

/// <summary>
/// Text rules of Publication 28 that apply to every line: upper case, no punctuation. Kept: letters and digits, a
/// hyphen or a slash inside a word beside a digit (hyphenated primary numbers such as 39-12, units such as 3-B,
/// fractions such as 1/2), and '#' as a word of its own (the unit designator when the unit's kind is not known). Apostrophes join
/// (O'Farrell: OFARRELL); other punctuation separates words. Latin letters with accents lose them.
/// </summary>
public static class AddressText
{
    /// <summary>The words of <paramref name="text"/> in Publication 28 form.</summary>
    public static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text)) return words;
        var word = new StringBuilder(16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = Fold(text[i]);
            if (char.IsAsciiLetterOrDigit(c))
            {
                word.Append(c);
            }
            else if (c is '\'' or '\u2019')
            {
                // joins: O'FARRELL
            }
            else if ((c is '-' or '/') && word.Length > 0 && i + 1 < text.Length && char.IsAsciiLetterOrDigit(Fold(text[i + 1]))
                && (char.IsAsciiDigit(word[^1]) || char.IsAsciiDigit(text[i + 1])))
            {
                word.Append(c);
            }
            else
            {
                Flush(word, words);
                if (c == '#') words.Add("#");
            }
        }
        Flush(word, words);
        return words;
    }

    /// <summary>The words joined with single spaces.</summary>
    public static string Clean(string? text) => string.Join(' ', Words(text));

    /// <summary>
    /// The key a city name is compared by: its words, with a leading SAINT, SAINTE, FORT, MOUNT or POINT spelled out
    /// (ST LOUIS and SAINT LOUIS are one city) and hyphens and slashes as spaces.
    /// </summary>
    public static string CityKey(IReadOnlyList<string> words)
    {
        if (words.Count == 0) return "";
        var sb = new StringBuilder(32);
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (i == 0 && words.Count > 1)
            {
                w = w switch
                {
                    "ST" => "SAINT",
                    "STE" => "SAINTE",
                    "FT" => "FORT",
                    "MT" => "MOUNT",
                    "PT" => "POINT",
                    _ => w,
                };
            }
            if (sb.Length > 0) sb.Append(' ');
            foreach (var c in w) sb.Append(c is '-' or '/' ? ' ' : c);
        }
        return sb.ToString();
    }

    public static string CityKey(string? city) => CityKey(Words(city));

    private static void Flush(StringBuilder word, List<string> words)
    {
        if (word.Length == 0) return;
        words.Add(word.ToString());
        word.Clear();
    }

    /// <summary>Upper case ASCII for ASCII letters and the Latin-1 accented letters; anything else unchanged.</summary>
    private static char Fold(char c)
    {
        if (c < 128) return char.ToUpperInvariant(c);
        return char.ToUpperInvariant(c) switch
        {
            'À' or 'Á' or 'Â' or 'Ã' or 'Ä' or 'Å' => 'A',
            'Ç' => 'C',
            'È' or 'É' or 'Ê' or 'Ë' => 'E',
            'Ì' or 'Í' or 'Î' or 'Ï' => 'I',
            'Ñ' => 'N',
            'Ò' or 'Ó' or 'Ô' or 'Õ' or 'Ö' or 'Ø' => 'O',
            'Ù' or 'Ú' or 'Û' or 'Ü' => 'U',
            'Ý' or 'Ÿ' => 'Y',
            _ => c,
        };
    }
}
