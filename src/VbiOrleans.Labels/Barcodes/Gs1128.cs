using ZXing;
using ZXing.OneD;

namespace VbiOrleans.Labels.Barcodes;

/// <summary>
/// GS1-128 symbols (Code 128 with FNC1 in the first position) as module patterns, encoded by ZXing.Net's
/// Code128Writer: it picks code set C for digit pairs and switches to B for an odd digit, puts FNC1 between element
/// strings, and appends the mod-103 check character and the stop pattern. The quiet zones are the caller's.
/// </summary>
internal static class Gs1128
{
    /// <summary>ZXing's marker for FNC1 inside the contents (its <c>ESCAPE_FNC_1</c>).</summary>
    private const char Fnc1 = '\u00f1';

    private static readonly Dictionary<EncodeHintType, object> Hints = new() { [EncodeHintType.GS1_FORMAT] = true };

    /// <summary>
    /// The modules, dark first (a Code 128 symbol starts and ends with a bar), of the element strings in order,
    /// each "AI + data", FNC1 between them. Element strings are digits only here.
    /// </summary>
    public static bool[] Encode(IReadOnlyList<string> elementStrings)
    {
        if (elementStrings.Count == 0 || elementStrings.Any(e => e.Length == 0 || !e.All(char.IsAsciiDigit)))
        {
            throw new ArgumentException("GS1-128 element strings here are non-empty digit strings.", nameof(elementStrings));
        }

        // Code128Writer is not documented as thread-safe; it is cheap, so one per symbol.
        return new Code128Writer().encode(string.Join(Fnc1, elementStrings), Hints);
    }

    /// <summary>The dark runs of <paramref name="modules"/>: start module and width in modules.</summary>
    public static IEnumerable<(int Start, int Width)> Bars(bool[] modules)
    {
        int i = 0;
        while (i < modules.Length)
        {
            if (!modules[i])
            {
                i++;
                continue;
            }

            int start = i;
            while (i < modules.Length && modules[i])
            {
                i++;
            }

            yield return (start, i - start);
        }
    }
}
