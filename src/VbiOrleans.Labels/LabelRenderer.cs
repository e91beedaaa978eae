using VbiOrleans.Labels.Formats;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels;

/// <summary>Renders one indicium as a printable label: PNG, PDF, SVG or ZPL, for a 4x6 label or a #10 envelope.</summary>
public static class LabelRenderer
{
    /// <summary>Renders <paramref name="content"/> as <paramref name="request"/> asks. Same input, same bytes.</summary>
    /// <exception cref="LabelException">The content, request or printer is refused; <see cref="LabelException.Code"/> says why.</exception>
    public static RenderedLabel Render(LabelContent content, LabelRequest request)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(request);
        return Write(Plan(content, request), request.Format, content.DateOfMailing);
    }

    /// <summary>A placed page in <paramref name="format"/>; <paramref name="date"/> is the PDF's creation date.</summary>
    internal static RenderedLabel Write(LabelPlan plan, LabelFormat format, DateOnly date)
    {
        var bytes = format switch
        {
            LabelFormat.Png => PngLabelWriter.Write(plan),
            LabelFormat.Pdf => PdfLabelWriter.Write(plan, date),
            LabelFormat.Svg => SvgLabelWriter.Write(plan),
            LabelFormat.Zpl => ZplLabelWriter.Write(plan),
            _ => throw new LabelException(LabelError.UnsupportedLabelFormat, $"there is no label format {format}"),
        };
        return new RenderedLabel(bytes, LabelContentTypes.For(format), LabelContentTypes.FileExtension(format));
    }

    /// <summary>
    /// Checks the request and places everything. The printer's calibration shift plus the customer's offset moves the
    /// plan, except in ZPL, where the printer applies the non-negative part itself through the label home.
    /// </summary>
    internal static LabelPlan Plan(LabelContent content, LabelRequest request)
    {
        if (content.Validate() is { } problem)
        {
            throw new LabelException(LabelError.InvalidLabelContent, problem);
        }

        var shift = Shift(request);
        return LabelPlanner.Plan(content, request.Layout, request.Dpi, shift.X, shift.Y) with { PrinterHome = shift.Home };
    }

    /// <summary>
    /// Checks the request (format, layout, resolution, printer, calibration) and splits the total shift in dots into
    /// the part the plan moves by and the part a ZPL printer applies as its label home (non-negative only).
    /// </summary>
    internal static (int X, int Y, (int X, int Y) Home) Shift(LabelRequest request)
    {
        if (!Enum.IsDefined(request.Format))
        {
            throw new LabelException(LabelError.UnsupportedLabelFormat, $"there is no label format {request.Format}");
        }

        if (!Enum.IsDefined(request.Layout))
        {
            throw new LabelException(LabelError.UnsupportedLabelLayout, $"there is no label layout {request.Layout}");
        }

        if (request.Dpi is < LabelRequest.MinDpi or > LabelRequest.MaxDpi)
        {
            throw new LabelException(LabelError.UnsupportedDpi, $"{request.Dpi} dpi is outside {LabelRequest.MinDpi} to {LabelRequest.MaxDpi}");
        }

        if (!request.Calibration.IsWithinBounds)
        {
            throw new LabelException(
                LabelError.CalibrationOutOfRange,
                $"the calibration offset ({request.Calibration.XMils}, {request.Calibration.YMils}) mils is more than {Printers.CalibrationOffset.MaxMils} either way");
        }

        var (offsetX, offsetY) = request.Calibration.ToDots(request.Dpi);
        if (request.Printer is { } printer)
        {
            if (printer.Validate() is { } invalid)
            {
                throw new LabelException(LabelError.InvalidPrinterProfile, invalid);
            }

            if (printer.Dpi != request.Dpi)
            {
                throw new LabelException(LabelError.InvalidPrinterProfile, $"printer '{printer.Id}' prints at {printer.Dpi} dpi, not {request.Dpi}");
            }

            if (!printer.Supports(request.Format))
            {
                throw new LabelException(LabelError.UnsupportedLabelFormat, $"printer '{printer.Id}' does not print {request.Format}");
            }

            if (!printer.Supports(request.Layout))
            {
                throw new LabelException(LabelError.UnsupportedLabelLayout, $"printer '{printer.Id}' does not take {request.Layout}");
            }

            offsetX += printer.OffsetXDots;
            offsetY += printer.OffsetYDots;
        }

        var home = request.Format == LabelFormat.Zpl ? (X: Math.Max(0, offsetX), Y: Math.Max(0, offsetY)) : (X: 0, Y: 0);
        return (offsetX - home.X, offsetY - home.Y, home);
    }
}
