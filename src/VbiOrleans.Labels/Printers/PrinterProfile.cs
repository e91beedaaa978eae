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

    /// <summary>The longest id, name and media description.</summary>
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 64;
    public const int MaxMediaLength = 200;

    /// <summary>The problem with this profile in one sentence, or null when it is usable.</summary>
    public string? Validate() => Check().Message;

    /// <summary>
    /// What is wrong with this profile, first problem first, with a sentence for a person; <see cref="PrinterProblem.None"/>
    /// when it is usable. Ids are lower-case letters, digits and hyphens; the name and media are printable ASCII, since the
    /// test print shows them.
    /// </summary>
    public (PrinterProblem Problem, string? Message) Check()
    {
        if (!IsId(Id))
        {
            return (PrinterProblem.InvalidId, $"printer id '{Id}' is not 1 to {MaxIdLength} lower-case letters, digits and hyphens");
        }

        if (!IsPrintable(Name, MaxNameLength))
        {
            return (PrinterProblem.InvalidName, $"printer '{Id}' needs a name of 1 to {MaxNameLength} printable ASCII characters");
        }

        if (Dpi is < LabelRequest.MinDpi or > LabelRequest.MaxDpi)
        {
            return (PrinterProblem.DpiOutOfRange, $"printer '{Id}' has {Dpi} dpi, outside {LabelRequest.MinDpi} to {LabelRequest.MaxDpi}");
        }

        var maxOffset = (int)(Dpi * MaxOffsetInches);
        if (Math.Abs(OffsetXDots) > maxOffset || Math.Abs(OffsetYDots) > maxOffset)
        {
            return (PrinterProblem.ShiftOutOfRange, $"printer '{Id}' shifts by ({OffsetXDots}, {OffsetYDots}) dots, more than {maxOffset} ({MaxOffsetInches} in.)");
        }

        if (Formats is null || Formats.Count == 0 || Formats.Any(f => !Enum.IsDefined(f)) || Formats.Distinct().Count() != Formats.Count)
        {
            return (PrinterProblem.InvalidFormats, $"printer '{Id}' lists no formats, an unknown one or one twice");
        }

        if (Layouts is null || Layouts.Count == 0 || Layouts.Any(l => !Enum.IsDefined(l)) || Layouts.Distinct().Count() != Layouts.Count)
        {
            return (PrinterProblem.InvalidLayouts, $"printer '{Id}' lists no layouts, an unknown one or one twice");
        }

        if (Media is null || Media.Length > MaxMediaLength || Media.Any(c => c is < ' ' or > '~'))
        {
            return (PrinterProblem.InvalidMedia, $"printer '{Id}' needs a media description of at most {MaxMediaLength} printable ASCII characters");
        }

        return (PrinterProblem.None, null);
    }

    private static bool IsId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    private static bool IsPrintable(string? text, int maxLength) =>
        !string.IsNullOrWhiteSpace(text) && text.Length <= maxLength && text.All(c => c is >= ' ' and <= '~');
}

/// <summary>What is wrong with a printer profile. The member name is the stable reason; new ones are added at the end.</summary>
public enum PrinterProblem
{
    None = 0,
    InvalidId = 1,
    InvalidName = 2,
    DpiOutOfRange = 3,
    ShiftOutOfRange = 4,
    InvalidFormats = 5,
    InvalidLayouts = 6,
    InvalidMedia = 7,
}
