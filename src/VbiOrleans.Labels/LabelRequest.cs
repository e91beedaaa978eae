using VbiOrleans.Labels.Printers;

namespace VbiOrleans.Labels;

/// <summary>
/// What to render: a format and a layout at a resolution, optionally for a printer from the printer table. With a
/// printer, the renderer refuses what the printer does not list and applies its calibration shift; a customer's
/// <see cref="Calibration"/> moves the label further.
/// </summary>
public sealed record LabelRequest(LabelFormat Format, LabelLayout Layout, int Dpi)
{
    /// <summary>The lowest resolution the layouts are drawn for (a module must stay at least 3 dots).</summary>
    public const int MinDpi = 150;

    /// <summary>The highest resolution the layouts are drawn for.</summary>
    public const int MaxDpi = 1200;

    /// <summary>The printer the label is for, or null for a plain request at <see cref="Dpi"/>.</summary>
    public PrinterProfile? Printer { get; init; }

    /// <summary>The customer's calibration offset, applied on top of the printer's shift (none by default).</summary>
    public CalibrationOffset Calibration { get; init; }

    /// <summary>A request for the printer's resolution and calibration shift.</summary>
    public static LabelRequest For(PrinterProfile printer, LabelFormat format, LabelLayout layout)
    {
        ArgumentNullException.ThrowIfNull(printer);
        return new LabelRequest(format, layout, printer.Dpi) { Printer = printer };
    }
}
