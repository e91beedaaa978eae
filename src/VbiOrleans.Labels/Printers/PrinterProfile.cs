namespace VbiOrleans.Labels.Printers;

/// <summary>
/// One printer model from the printer table: its resolution, its calibration shift, and the formats and layouts it
/// prints. Serializable with System.Text.Json (web defaults: camelCase; formats and layouts as their JSON names).
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>zebra-zd420-203</c>.</param>
/// <param name="Name">What a person reads, e.g. "Zebra ZD420".</param>
/// <param name="Dpi">Dots per inch of the print head or engine.</param>
/// <param name="OffsetXDots">Calibration shift to the right, in dots (negative: to the left).</param>
/// <param name="OffsetYDots">Calibration shift down, in dots (negative: up).</param>
/// <param name="Formats">The formats the printer (or its driver) accepts.</param>
/// <param name="Layouts">The layouts its media takes.</param>
/// <param name="Media">The media, in words.</param>
public sealed record PrinterProfile(
    string Id,
    string Name,
    int Dpi,
    int OffsetXDots,
    int OffsetYDots,
    IReadOnlyList<LabelFormat> Formats,
    IReadOnlyList<LabelLayout> Layouts,
    string Media)
{
    /// <summary>
    /// The largest calibration shift, in inches. Every layout keeps a quarter-inch margin, so an eighth of an inch
    /// moves nothing off the page.
    /// </summary>
    public const double MaxOffsetInches = 0.125;

    public bool Supports(LabelFormat format) => Formats.Contains(format);

    public bool Supports(LabelLayout layout) => Layouts.Contains(layout);

    /// <summary>The problem with this profile in one sentence, or null when it is usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Id))
        {
            return "a printer has no id";
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            return $"printer '{Id}' has no name";
        }

        if (Dpi is < LabelRequest.MinDpi or > LabelRequest.MaxDpi)
        {
            return $"printer '{Id}' has {Dpi} dpi, outside {LabelRequest.MinDpi} to {LabelRequest.MaxDpi}";
        }

        var maxOffset = (int)(Dpi * MaxOffsetInches);
        if (Math.Abs(OffsetXDots) > maxOffset || Math.Abs(OffsetYDots) > maxOffset)
        {
            return $"printer '{Id}' shifts by ({OffsetXDots}, {OffsetYDots}) dots, more than {maxOffset} ({MaxOffsetInches} in.)";
        }

        if (Formats is null || Formats.Count == 0 || Formats.Any(f => !Enum.IsDefined(f)))
        {
            return $"printer '{Id}' lists no formats, or an unknown one";
        }

        if (Layouts is null || Layouts.Count == 0 || Layouts.Any(l => !Enum.IsDefined(l)))
        {
            return $"printer '{Id}' lists no layouts, or an unknown one";
        }

        return null;
    }
}
