namespace VbiOrleans.Labels;

/// <summary>A rendered label: the file's bytes, its media type and its file extension without the dot ("png").</summary>
public sealed record RenderedLabel(byte[] Bytes, string ContentType, string FileExtension);

/// <summary>
/// The media types of the rendered formats. ZPL has no registered type; <c>application/x-zpl</c> says "printer
/// language, send it to the printer raw" where <c>text/plain</c> would invite a browser to display it.
/// </summary>
public static class LabelContentTypes
{
    public const string Png = "image/png";
    public const string Pdf = "application/pdf";
    public const string Svg = "image/svg+xml";
    public const string Zpl = "application/x-zpl";

    public static string For(LabelFormat format) => format switch
    {
        LabelFormat.Png => Png,
        LabelFormat.Pdf => Pdf,
        LabelFormat.Svg => Svg,
        LabelFormat.Zpl => Zpl,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static string FileExtension(LabelFormat format) => format switch
    {
        LabelFormat.Png => "png",
        LabelFormat.Pdf => "pdf",
        LabelFormat.Svg => "svg",
        LabelFormat.Zpl => "zpl",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };
}
