using VbiOrleans.Labels.Formats;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels;

/// <summary>Renders one indicium as a printable label: PNG, PDF, SVG or ZPL, for a 4x6 label or a #10 envelope.</summary>
public static class LabelRenderer
{
    /// <summary>Renders <paramref name="content"/> as <paramref name="request"/> asks, from the process's templates. Same input, same bytes.</summary>
    /// <exception cref="LabelException">The content, request or printer is refused; <see cref="LabelException.Code"/> says why.</exception>
    public static RenderedLabel Render(LabelContent content, LabelRequest request) => Render(content, request, LabelTemplateCache.Shared);

    /// <summary>
    /// Renders <paramref name="content"/> from its template in <paramref name="templates"/> (built and kept the first
    /// time): the print's marks placed around the template's frame and written into a copy of it. Same input, same
    /// bytes, whether the template was kept or not.
    /// </summary>
    /// <exception cref="LabelException">The content, request or printer is refused; <see cref="LabelException.Code"/> says why.</exception>
    public static RenderedLabel Render(LabelContent content, LabelRequest request, LabelTemplateCache templates)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(templates);
        var (template, plan) = Place(content, request, templates);
        return Rendered(template.Write(plan, content.DateOfMailing), request.Format);
    }

    /// <summary>Checks the request, takes its template from <paramref name="templates"/> and places the print's marks around the template's frame.</summary>
    internal static (LabelTemplate Template, LabelPlan Plan) Place(LabelContent content, LabelRequest request, LabelTemplateCache templates)
    {
        Validate(content);
        var shift = Shift(request);
        var key = LabelTemplateKey.Of(request.Format, request.Layout, request.Dpi, (shift.X, shift.Y), shift.Home, LabelPlanner.FrameKey(content.Shipment));
        var template = templates.Get(key, content.Shipment);
        return (template, LabelPlanner.Plan(content, request.Layout, request.Dpi, shift.X, shift.Y, template.Frame) with { PrinterHome = shift.Home });
    }

    /// <summary>A placed page in <paramref name="format"/>, through a template of its own (a test print: its frame is empty); <paramref name="date"/> is the PDF's creation date.</summary>
    internal static RenderedLabel Write(LabelPlan plan, LabelFormat format, DateOnly date) =>
        Rendered(LabelTemplate.Build(format, plan.Page, plan.PrinterHome, plan.Frame, plan.Frame).Write(plan, date), format);

    private static RenderedLabel Rendered(byte[] bytes, LabelFormat format) =>
        new(bytes, LabelContentTypes.For(format), LabelContentTypes.FileExtension(format));

    private static void Validate(LabelContent content)
    {
        if (content.Validate() is { } problem)
        {
            throw new LabelException(LabelError.InvalidLabelContent, problem);
        }
    }

    /// <summary>
    /// Checks the request and places everything, the frame too (no template). The printer's calibration shift plus the customer's offset moves the
    /// plan, except in ZPL, where the printer applies the non-negative part itself through the label home.
    /// </summary>
    internal static LabelPlan Plan(LabelContent content, LabelRequest request)
    {
        Validate(content);
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
