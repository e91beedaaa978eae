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
        var plan = Plan(content, request);
        var bytes = request.Format switch
        {
            LabelFormat.Png => PngLabelWriter.Write(plan),
            LabelFormat.Pdf => PdfLabelWriter.Write(plan, content.DateOfMailing),
            LabelFormat.Svg => SvgLabelWriter.Write(plan),
            LabelFormat.Zpl => ZplLabelWriter.Write(plan),
            _ => throw new LabelException(LabelError.UnsupportedLabelFormat, $"there is no label format {request.Format}"),
        };
        return new RenderedLabel(bytes, LabelContentTypes.For(request.Format), LabelContentTypes.FileExtension(request.Format));
    }

    /// <summary>
    /// Checks the request and places everything. The printer's calibration shift moves the plan, except in ZPL,
    /// where the printer applies the non-negative part itself through the label home.
    /// </summary>
    internal static LabelPlan Plan(LabelContent content, LabelRequest request)
    {
        if (content.Validate() is { } problem)
        {
            throw new LabelException(LabelError.InvalidLabelContent, problem);
        }

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

        int offsetX = 0, offsetY = 0;
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

            offsetX = printer.OffsetXDots;
            offsetY = printer.OffsetYDots;
        }

        var home = request.Format == LabelFormat.Zpl ? (X: Math.Max(0, offsetX), Y: Math.Max(0, offsetY)) : (X: 0, Y: 0);
        return LabelPlanner.Plan(content, request.Layout, request.Dpi, offsetX - home.X, offsetY - home.Y) with { PrinterHome = home };
    }
}
