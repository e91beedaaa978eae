using PdfSharp.Fonts;

namespace VbiOrleans.Labels.Fonts;

/// <summary>
/// Serves DejaVu Sans to PDFsharp. The Core build of PDFsharp has no system font lookup on Linux, and its
/// resolver is process-wide and may be set only once, before the first font is used: <see cref="EnsureRegistered"/>
/// sets it under a lock the first time a PDF is rendered.
/// </summary>
internal sealed class DejaVuFontResolver : IFontResolver
{
    private const string RegularFace = "DejaVuSans";
    private const string BoldFace = "DejaVuSans-Bold";

    private static readonly DejaVuFontResolver Instance = new();
    private static readonly Lock Gate = new();
    private static bool _registered;

    private DejaVuFontResolver()
    {
    }

    /// <exception cref="InvalidOperationException">Another font resolver was installed in this process first.</exception>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            switch (GlobalFontSettings.FontResolver)
            {
                case null:
                    GlobalFontSettings.FontResolver = Instance;
                    break;
                case DejaVuFontResolver:
                    break;
                case var other:
                    throw new InvalidOperationException(
                        $"PDFsharp's GlobalFontSettings.FontResolver is already {other.GetType().FullName}; PDF labels need " +
                        $"{nameof(DejaVuFontResolver)} to serve '{LabelFonts.FamilyName}'. Install one resolver that serves both.");
            }

            _registered = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        string.Equals(familyName, LabelFonts.FamilyName, StringComparison.OrdinalIgnoreCase)
            ? new FontResolverInfo(bold ? BoldFace : RegularFace)
            : null;

    public byte[]? GetFont(string faceName) => faceName switch
    {
        RegularFace => LabelFonts.FileBytes(bold: false),
        BoldFace => LabelFonts.FileBytes(bold: true),
        _ => null,
    };
}
