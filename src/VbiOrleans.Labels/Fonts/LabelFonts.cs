using SkiaSharp;

namespace VbiOrleans.Labels.Fonts;

/// <summary>
/// DejaVu Sans, regular and bold, read from the files the Debian package fonts-dejavu-core installs. Every format
/// measures and draws with these two files (SVG names the family and leaves drawing to the viewer), so the layout
/// is the same on every machine: no system font lookup, no fontconfig.
/// </summary>
internal static class LabelFonts
{
    public const string FamilyName = "DejaVu Sans";
    public const string RegularFile = "DejaVuSans.ttf";
    public const string BoldFile = "DejaVuSans-Bold.ttf";
    public const string DebianPackage = "fonts-dejavu-core";

    /// <summary>Debian and Ubuntu first; then where Fedora/Alpine and Arch put the same files.</summary>
    public static readonly IReadOnlyList<string> Directories =
    [
        "/usr/share/fonts/truetype/dejavu",
        "/usr/share/fonts/dejavu-sans-fonts",
        "/usr/share/fonts/dejavu",
        "/usr/share/fonts/TTF",
    ];

    // PublicationOnly: a missing font is not cached, so installing the package fixes a running process.
    private static readonly Lazy<byte[]> RegularBytes = new(() => Read(RegularFile, Directories), LazyThreadSafetyMode.PublicationOnly);
    private static readonly Lazy<byte[]> BoldBytes = new(() => Read(BoldFile, Directories), LazyThreadSafetyMode.PublicationOnly);
    private static readonly Lazy<SKTypeface> RegularTypeface = new(() => Typeface(RegularBytes.Value), LazyThreadSafetyMode.PublicationOnly);
    private static readonly Lazy<SKTypeface> BoldTypeface = new(() => Typeface(BoldBytes.Value), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>The font file's bytes (for PDFsharp, which embeds a subset).</summary>
    public static byte[] FileBytes(bool bold) => bold ? BoldBytes.Value : RegularBytes.Value;

    /// <summary>The typeface for SkiaSharp. Shared: Skia typefaces are immutable and thread-safe.</summary>
    public static SKTypeface Typeface(bool bold) => bold ? BoldTypeface.Value : RegularTypeface.Value;

    /// <summary>A font at <paramref name="sizeDots"/> with unhinted, linear metrics, so sizes scale exactly with dpi.</summary>
    public static SKFont Font(bool bold, float sizeDots) => new(Typeface(bold), sizeDots)
    {
        Hinting = SKFontHinting.None,
        Subpixel = true,
        LinearMetrics = true,
        Edging = SKFontEdging.Antialias,
    };

    /// <summary>The first <paramref name="file"/> found in <paramref name="directories"/>.</summary>
    internal static byte[] Read(string file, IReadOnlyList<string> directories)
    {
        foreach (var directory in directories)
        {
            var path = Path.Combine(directory, file);
            if (File.Exists(path))
            {
                return File.ReadAllBytes(path);
            }
        }

        throw new LabelException(
            LabelError.FontMissing,
            $"{FamilyName} ({file}) is not in any of {string.Join(", ", directories)}; install the Debian package {DebianPackage} (apt-get install {DebianPackage}).");
    }

    private static SKTypeface Typeface(byte[] bytes)
    {
        using var data = SKData.CreateCopy(bytes);
        return SKTypeface.FromData(data)
            ?? throw new LabelException(LabelError.FontMissing, $"SkiaSharp could not read {FamilyName} from its file; reinstall {DebianPackage}.");
    }
}
