using VbiOrleans.Labels.Formats;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels;

/// <summary>
/// What fixes a label's template: the format, the page (layout and resolution), the printer's and customer's shift in
/// dots (the part the plan moves by and ZPL's label home), and the content the frame is placed from
/// (<see cref="LabelPlanner.FrameKey"/>: an addressed label's banner and sender; null for a letter, whose empty frame
/// does not move, so its shift is left out).
/// </summary>
internal readonly record struct LabelTemplateKey(LabelFormat Format, LabelLayout Layout, int Dpi, int ShiftX, int ShiftY, int HomeX, int HomeY, string? Frame)
{
    public static LabelTemplateKey Of(LabelFormat format, LabelLayout layout, int dpi, (int X, int Y) shift, (int X, int Y) home, string? frame) =>
        frame is null
            ? new(format, layout, dpi, 0, 0, home.X, home.Y, null)
            : new(format, layout, dpi, shift.X, shift.Y, home.X, home.Y, frame);
}

/// <summary>
/// A label's static part, prepared once in its format: the page, the printer's home and the frame's marks
/// (<see cref="LabelFrame"/>) as the format's bytes (PDF: the file up to the page and the frame's content stream,
/// compressed; PNG: the page raster with the frame drawn; SVG and ZPL: the text up to the print's marks). A print
/// places its content around <see cref="Frame"/> and writes only its own marks into a copy. The same key always
/// makes the same template, so a label's bytes do not depend on whether its template was cached.
/// </summary>
internal abstract class LabelTemplate(LabelFrame frame)
{
    /// <summary>The frame from the page's corner, before the shift: what the planner places the print's marks around.</summary>
    public LabelFrame Frame { get; } = frame;

    /// <summary>The bytes the template keeps, for the cache's bound.</summary>
    public abstract long Size { get; }

    /// <summary>The label of <paramref name="plan"/>, placed around this template's frame; <paramref name="date"/> is the PDF's creation date.</summary>
    public abstract byte[] Write(LabelPlan plan, DateOnly date);

    /// <summary>Places the frame for <paramref name="key"/> (from <paramref name="shipment"/>, which the key's frame was made of) and prepares it.</summary>
    public static LabelTemplate Build(LabelTemplateKey key, LabelShipment? shipment)
    {
        var frame = key.Frame is null ? LabelFrame.Empty : LabelPlanner.Frame(shipment, key.Layout, key.Dpi);
        return Build(key.Format, LabelPlanner.Page(key.Layout, key.Dpi), (key.HomeX, key.HomeY), frame, frame.Offset(key.ShiftX, key.ShiftY));
    }

    /// <summary>The template of <paramref name="page"/> with <paramref name="shifted"/> drawn (the frame as the print shows it).</summary>
    public static LabelTemplate Build(LabelFormat format, LabelPage page, (int X, int Y) home, LabelFrame frame, LabelFrame shifted) => format switch
    {
        LabelFormat.Png => new PngLabelTemplate(page, frame, shifted),
        LabelFormat.Pdf => new PdfLabelTemplate(page, frame, shifted),
        LabelFormat.Svg => new SvgLabelTemplate(page, frame, shifted),
        LabelFormat.Zpl => new ZplLabelTemplate(page, home, frame, shifted),
        _ => throw new LabelException(LabelError.UnsupportedLabelFormat, $"there is no label format {format}"),
    };
}
