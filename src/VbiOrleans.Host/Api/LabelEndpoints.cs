using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Host.Security;
using VbiOrleans.Labels;
using VbiOrleans.Labels.Printers;

namespace VbiOrleans.Host.Api;

/// <summary>How a label is asked for: a format and a layout, at a resolution or for a printer from the table.</summary>
public sealed record LabelOptionsRequest(string? Format, string? Layout, string? Printer, int? Dpi);

public sealed record PrintLabelRequest(
    long? PostageMills,
    string? DestinationZip,
    string? MailClass,
    string? ItemKind,
    LabelOptionsRequest? Label,
    ExpectedRegisters? Expected);

public sealed record LabelView(string Format, string Layout, int Dpi, string? Printer, string ContentType, string FileName, string Data);

public sealed record PrintLabelResponse(string IndiciumId, string MeterId, string Indicium, RegistersView Registers, LabelView Label);

public sealed record RenderLabelRequest(string? Indicium, LabelOptionsRequest? Label);

/// <summary>
/// Printing with a label, the printer table, and labels for an indicium already issued. A print answers with the
/// indicium bytes (base64) and the label rendered from exactly those bytes.
/// </summary>
public static class LabelEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static void MapLabelEndpoints(this IEndpointRouteBuilder app)
    {
        // GET /v1/printers and the rest of the printer table: PrinterEndpoints.
        app.MapPost("/v1/indicia/label", async (RenderLabelRequest request, IGrainFactory grains, TimeProvider clock, PrinterTableCache printers) =>
                await RenderIssuedAsync(request, (await printers.GetAsync()).Active, grains, clock))
            .WithTags("Labels")
            .WithName("RenderLabel")
            .WithSummary("Renders the label of an indicium already issued (to print it again): the indicium must verify offline.");

        // POST /v1/meters/{meterId}/prints is mapped with the customer endpoints (MeterEndpoints): customers send a
        // signed request; operators keep this unsigned path, audited.
    }

    /// <summary>The operators' print: unsigned, with an Idempotency-Key; the meter grain keeps it at most once.</summary>
    internal static async Task<IResult> PrintAsync(string meterId, PrintLabelRequest request, HttpContext context, IGrainFactory grains)
    {
        if (!MeterId.TryParse(meterId, out _)) return Problems.Result(ErrorCode.InvalidMeterId, $"'{meterId}' is not a meter id");
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (string.IsNullOrWhiteSpace(key)) return Problems.Result(ErrorCode.ValidationFailed, $"the {IdempotencyHeader} header is required");
        if (request.PostageMills is not > 0) return Problems.Result(ErrorCode.InvalidAmount, "postageMills must be a positive number of mills (tenths of a cent)");
        if (string.IsNullOrWhiteSpace(request.DestinationZip)) return Problems.Result(ErrorCode.InvalidZip, "destinationZip is required (5 or 9 digits)");
        if (string.IsNullOrWhiteSpace(request.MailClass)) return Problems.Result(ErrorCode.ValidationFailed, "mailClass is required");
        // The label is checked before any money moves: a request the printer cannot take charges nothing.
        var label = ParseLabel(request.Label, (await context.RequestServices.GetRequiredService<PrinterTableCache>().GetAsync()).Active);
        if (!label.IsSuccess) return Problems.Result(label.Error);

        var result = await grains.GetGrain<IMeterGrain>(meterId).Execute(key,
            new PrintCommand(new PrintRequest(request.PostageMills.Value, request.DestinationZip, request.MailClass, request.ItemKind ?? "postage"))
            {
                InitiatedBy = "operator:" + context.User.Identity?.Name,
            },
            request.Expected);
        if (!result.IsSuccess) return Problems.Result(result.Error, result.Message!);
        var indicium = result.Indicium!;
        byte[] bytes = [.. indicium.Data, .. indicium.Signature];
        var data = IndiciumData.Decode(bytes).Value.Data;
        try
        {
            var rendered = Render(bytes, data, indicium.IndiciumId, label.Value);
            return Results.Ok(new PrintLabelResponse(indicium.IndiciumId, meterId, Convert.ToBase64String(bytes), result.Registers!, rendered));
        }
        catch (LabelException e)
        {
            // The print is durable and idempotent: the same key returns the same indicium and renders its label again.
            return Problems.Result(ErrorCode.LabelRenderingFailed,
                $"indicium {indicium.IndiciumId} was printed but its label could not be rendered ({e.Code}); retry with the same {IdempotencyHeader}");
        }
    }

    private static async Task<IResult> RenderIssuedAsync(RenderLabelRequest request, PrinterTable printers, IGrainFactory grains,
        TimeProvider clock)
    {
        if (string.IsNullOrWhiteSpace(request.Indicium) || request.Indicium.Length > IndiciumEndpoints.MaxIndiciumBytes * 2)
            return Problems.Result(ErrorCode.ValidationFailed, "indicium is required: the indicium bytes, base64");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(request.Indicium.Trim());
        }
        catch (FormatException)
        {
            return Problems.Result(ErrorCode.ValidationFailed, "indicium is not base64");
        }
        var label = ParseLabel(request.Label, printers);
        if (!label.IsSuccess) return Problems.Result(label.Error);
        var decoded = IndiciumData.Decode(bytes);
        if (!decoded.IsSuccess) return Problems.Result(decoded.Error);
        var certificate = await grains.GetGrain<IMeterCertificateGrain>(decoded.Value.Data.CertificateSerial.ToUpperInvariant()).Get();
        var ca = await grains.GetGrain<IPostalCaGrain>(0).Certificate();
        var limits = (await grains.GetGrain<IModuleLimitsGrain>(0).Limits()).ToMeterLimits();
        var verdict = IndiciumVerifier.Verify(bytes, certificate?.Certificate, ca, limits, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        if (!verdict.Valid)
        {
            var failed = verdict.Checks.First(c => c.Status == CheckStatus.Failed);
            return Problems.Result(ErrorCode.ValidationFailed, $"only a genuine indicium gets a label: {failed.Code}: {failed.Message}");
        }
        try
        {
            return Results.Ok(Render(bytes, decoded.Value.Data, null, label.Value));
        }
        catch (LabelException e)
        {
            return Problems.Result(ErrorCode.LabelRenderingFailed, $"the label could not be rendered ({e.Code}): {e.Message}");
        }
    }

    internal static LabelView Render(byte[] indicium, IndiciumData data, string? indiciumId, LabelRequest request, LabelShipment? shipment = null)
    {
        var content = new LabelContent(indicium, data.Postage.Value, data.DateOfMailing, data.LicensingZip, data.DestinationZip, data.MailClass,
            data.Device.ToString(), data.Kind.ToString(), indiciumId) { Shipment = shipment };
        var rendered = LabelRenderer.Render(content, request);
        var name = indiciumId ?? $"{data.CertificateSerial}-{data.PieceCounter}";
        return new LabelView(Wire(request.Format), Wire(request.Layout), request.Dpi, request.Printer?.Id, rendered.ContentType,
            $"{name}.{rendered.FileExtension}", Convert.ToBase64String(rendered.Bytes));
    }

    /// <summary>
    /// What an addressed label prints of a print's shipment: both addresses, the class banner, the weight, the tracking
    /// number and the recipient's ZIP to route to. Null without a tracking number (a class the rates do not know).
    /// </summary>
    internal static LabelShipment? ShipmentOf(PrintShipment? shipment, string? mailClass, string? trackingNumber)
    {
        if (shipment is null || trackingNumber is null || !Domain.Rates.MailClasses.TryParse(mailClass, out var parsed)) return null;
        var to = shipment.To;
        return new LabelShipment(PrintShipments.Lines(shipment.From), PrintShipments.Lines(to), Domain.Shipping.ServiceBanners.For(parsed),
            shipment.WeightTenthsOz / 10m, trackingNumber, to.Zip4.Length == 0 ? to.Zip5 : to.Zip5 + "-" + to.Zip4);
    }

    /// <summary>
    /// Format (default pdf), layout (default label-4x6) and either a printer from the table or a resolution (203 or 300,
    /// default 300). A printer not in the table is <c>UnknownPrinter</c>; a format or layout it does not take, <c>PrinterDoesNotTake</c>.
    /// </summary>
    public static Domain.Errors.Result<LabelRequest> ParseLabel(LabelOptionsRequest? options, PrinterTable printers)
    {
        options ??= new LabelOptionsRequest(null, null, null, null);
        LabelFormat? format = (options.Format ?? "pdf").ToLowerInvariant() switch
        {
            "png" => LabelFormat.Png, "pdf" => LabelFormat.Pdf, "svg" => LabelFormat.Svg, "zpl" => LabelFormat.Zpl, _ => null,
        };
        if (format is null) return Invalid($"label.format '{options.Format}' is not one of pdf, png, svg, zpl");
        LabelLayout? layout = (options.Layout ?? "label-4x6").ToLowerInvariant() switch
        {
            "label-4x6" => LabelLayout.Label4x6, "envelope-10" => LabelLayout.Envelope10, _ => null,
        };
        if (layout is null) return Invalid($"label.layout '{options.Layout}' is not one of label-4x6, envelope-10");
        if (options.Printer is { } printerId)
        {
            if (printers.Find(printerId) is not { } printer)
                return new Domain.Errors.DomainError(ErrorCode.UnknownPrinter, $"label.printer '{printerId}' is not in the printer table (GET /v1/printers)");
            if (options.Dpi is { } dpi && dpi != printer.Dpi) return Invalid($"printer {printer.Id} prints at {printer.Dpi} dpi, not {dpi}");
            if (!printer.Supports(format.Value) || !printer.Supports(layout.Value))
                return new Domain.Errors.DomainError(ErrorCode.PrinterDoesNotTake, PrinterEndpoints.DoesNotTake(printer, format.Value, layout.Value));
            return LabelRequest.For(printer, format.Value, layout.Value);
        }
        var resolution = options.Dpi ?? 300;
        if (resolution is not (203 or 300)) return Invalid($"label.dpi must be 203 or 300, or name a printer from the table");
        return new LabelRequest(format.Value, layout.Value, resolution);
    }

    private static Domain.Errors.DomainError Invalid(string message) => new(ErrorCode.ValidationFailed, message);

    private static string Wire(LabelFormat format) => format.ToString().ToLowerInvariant();

    private static string Wire(LabelLayout layout) => layout == LabelLayout.Label4x6 ? "label-4x6" : "envelope-10";
}
