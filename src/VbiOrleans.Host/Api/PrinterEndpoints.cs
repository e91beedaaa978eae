using System.Globalization;
using System.Security.Claims;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Printers;
using VbiOrleans.Host.Security;
using VbiOrleans.Labels;
using VbiOrleans.Labels.Printers;

namespace VbiOrleans.Host.Api;

/// <summary>A test print: a printer from the table, and optionally a layout and a format it takes (defaults: its first ones).</summary>
public sealed record TestPrintRequest(string? Printer, string? Layout, string? Format);

public sealed record TestPrintView(string Printer, string Format, string Layout, int Dpi, CalibrationView Calibration, string ContentType, string FileName,
    string Data);

/// <summary>A customer's calibration offset for a printer, in thousandths of an inch: right (x) and down (y); negative moves left and up.</summary>
public sealed record CalibrationRequest(int? XMils, int? YMils);

/// <summary>
/// The offset a customer's labels for a printer get: the customer's own (mils, and in the printer's dots) and the printer
/// profile's shift (dots); the total is what moves every mark.
/// </summary>
public sealed record CalibrationView(string Printer, int Dpi, int XMils, int YMils, int XDots, int YDots, int PrinterXDots, int PrinterYDots,
    int TotalXDots, int TotalYDots)
{
    public static CalibrationView Of(PrinterProfile printer, CalibrationOffset offset)
    {
        var (x, y) = offset.ToDots(printer.Dpi);
        return new(printer.Id, printer.Dpi, offset.XMils, offset.YMils, x, y, printer.OffsetXDots, printer.OffsetYDots, printer.OffsetXDots + x,
            printer.OffsetYDots + y);
    }
}

/// <summary>An operator's printer: every member is required (a put replaces the printer).</summary>
public sealed record PrinterRequest(string? Name, int? Dpi, int? OffsetXDots, int? OffsetYDots, IReadOnlyList<string>? Formats, IReadOnlyList<string>? Layouts,
    string? Media);

public sealed record PrinterTableAdminView(long Version, IReadOnlyList<PrinterRecord> Printers);

/// <summary>
/// Printer configuration (the seed's Printer Config and Printer DB update services): the printer table customers
/// print to, a customer's test print and calibration offsets, and the operators' changes to the table.
/// </summary>
public static class PrinterEndpoints
{
    public const string VersionHeader = "Printer-Table-Version";

    public static void AddPrinterTable(this IServiceCollection services)
    {
        services.AddOptions<Configuration.PrinterOptions>().BindConfiguration(Configuration.PrinterOptions.Section);
        services.AddSingleton<PrinterTableCache>();
    }

    public static void MapPrinterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/printers", async (HttpContext context, PrinterTableCache printers) =>
            {
                var table = await printers.GetAsync();
                context.Response.Headers[VersionHeader] = table.Version.ToString(CultureInfo.InvariantCulture);
                return Results.Ok(table.Active);
            })
            .WithTags("Printers")
            .WithName("Printers")
            .WithSummary("The printer table: each printer's resolution, calibration shift, formats and layouts (retired printers are left out). "
                + "The Printer-Table-Version header says which version of the table this is.");

        var customers = app.MapGroup("/v1/printers").WithTags("Printers").RequireAuthorization(ApiAuthentication.CustomerPolicy);

        customers.MapPost("/test-print", TestPrintAsync)
            .WithName("TestPrint")
            .WithSummary("Renders a test print for a printer: SAMPLE - NOT POSTAGE, no indicium (a hatched box where it goes), corner marks and rulers "
                + "at stated distances from the edges, and the offset applied (the printer's shift plus the customer's calibration). Nothing is charged.")
            .Accepts<TestPrintRequest>("application/json")
            .Produces<TestPrintView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        customers.MapGet("/{printerId}/calibration", async (string printerId, ClaimsPrincipal user, PrinterTableCache printers) =>
            {
                var table = await printers.GetAsync();
                if (Find(table, printerId) is not { } printer) return Unknown(printerId).ToResult();
                return ApiResponse.Ok(CalibrationView.Of(printer, user.PrinterCalibration(printer.Id))).ToResult();
            })
            .WithName("GetCalibration")
            .WithSummary("The customer's calibration offset for a printer (0, 0 until set) and the offset its labels get.")
            .Produces<CalibrationView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        customers.MapPut("/{printerId}/calibration", CalibrateFromRequestAsync)
            .WithName("SetCalibration")
            .WithSummary("Keeps the customer's calibration offset for a printer: xMils right and yMils down, each -125 to 125 (0.125 in.). "
                + "Applied to every label the customer renders for that printer, test prints included; 0, 0 removes it.")
            .Accepts<CalibrationRequest>("application/json")
            .Produces<CalibrationView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        var operators = app.MapGroup("/v1/operator/printers").WithTags("Operators: printers").RequireAuthorization(OperatorAuthenticationHandler.Policy);

        operators.MapGet("/", async (PrinterTableCache printers, IGrainFactory grains) =>
            {
                var view = await grains.GetGrain<IPrinterTableGrain>(0).Get();
                printers.Accept(view);
                return Results.Ok(new PrinterTableAdminView(view.Version, view.Printers));
            })
            .WithName("OperatorPrinters")
            .WithSummary("Every printer of the table, retired ones too, with who changed it and when, and the table's version.");

        operators.MapPut("/{printerId}", PutPrinterFromRequestAsync)
            .WithName("PutPrinter")
            .WithSummary("Adds a printer or replaces it (and brings a retired one back). Checked: id, name, dpi 150 to 1200, shift at most 0.125 in., "
                + "formats and layouts known and not repeated.")
            .Accepts<PrinterRequest>("application/json")
            .Produces<PrinterTableAdminView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        operators.MapDelete("/{printerId}", async (string printerId, ClaimsPrincipal user, PrinterTableCache printers, IGrainFactory grains) =>
                (await RetirePrinterAsync(printers, grains, printerId, user.Identity!.Name!)).ToResult())
            .WithName("RetirePrinter")
            .WithSummary("Retires a printer: customers no longer see it or print to it (UnknownPrinter); a put brings it back.");
    }

    /// <summary>The customer's offset for a printer, from the authenticated account (no grain call); none when not set.</summary>
    public static CalibrationOffset PrinterCalibration(this ClaimsPrincipal user, string printerId) =>
        PrinterClaims.Read(user).FirstOrDefault(c => c.PrinterId == printerId) is { } kept ? new CalibrationOffset(kept.XMils, kept.YMils) : CalibrationOffset.None;

    /// <summary>
    /// A label request with the customer's offset for its printer. A request without a printer (a bare resolution) gets
    /// none: offsets are kept per printer.
    /// </summary>
    public static LabelRequest WithCalibration(this LabelRequest label, CalibrationOffset offset) =>
        label.Printer is null ? label : label with { Calibration = offset };

    private static async Task<IResult> TestPrintAsync(HttpContext context, ClaimsPrincipal user, PrinterTableCache printers, TimeProvider clock)
    {
        var body = await ApiBody.ReadJsonAsync<TestPrintRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        return (await RenderTestPrintAsync(printers, body.Value!, user.PrinterCalibration, clock)).ToResult();
    }

    /// <summary>
    /// A test print for a printer of the table with the customer's offset for it (<paramref name="offsetFor"/>): the API's
    /// and the portal's one way. Answers a <see cref="TestPrintView"/> or the problem.
    /// </summary>
    public static async Task<ApiResponse> RenderTestPrintAsync(PrinterTableCache printers, TestPrintRequest request, Func<string, CalibrationOffset> offsetFor,
        TimeProvider clock)
    {
        if (string.IsNullOrWhiteSpace(request.Printer)) return ApiResponse.Problem(ErrorCode.ValidationFailed, "printer is required: an id from GET /v1/printers");
        var table = await printers.GetAsync();
        if (Find(table, request.Printer) is not { } printer) return Unknown(request.Printer);
        var format = request.Format is null ? printer.Formats[0] : PrinterRecords.ParseFormat(request.Format);
        if (format is null) return ApiResponse.Problem(ErrorCode.ValidationFailed, $"format '{request.Format}' is not one of pdf, png, svg, zpl");
        var layout = request.Layout is null ? printer.Layouts[0] : PrinterRecords.ParseLayout(request.Layout);
        if (layout is null) return ApiResponse.Problem(ErrorCode.ValidationFailed, $"layout '{request.Layout}' is not one of label-4x6, envelope-10");
        if (!printer.Supports(format.Value) || !printer.Supports(layout.Value))
            return ApiResponse.Problem(ErrorCode.PrinterDoesNotTake, DoesNotTake(printer, format.Value, layout.Value));

        var offset = offsetFor(printer.Id);
        var date = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        RenderedLabel printed;
        try
        {
            printed = TestPrint.Render(LabelRequest.For(printer, format.Value, layout.Value) with { Calibration = offset }, date);
        }
        catch (LabelException e)
        {
            return ApiResponse.Problem(ErrorCode.LabelRenderingFailed, $"the test print could not be rendered ({e.Code})");
        }
        return ApiResponse.Ok(new TestPrintView(printer.Id, TestPrint.FormatName(format.Value), TestPrint.LayoutName(layout.Value), printer.Dpi,
            CalibrationView.Of(printer, offset), printed.ContentType, $"test-print-{printer.Id}-{date:yyyyMMdd}.{printed.FileExtension}",
            Convert.ToBase64String(printed.Bytes)));
    }

    private static async Task<IResult> CalibrateFromRequestAsync(string printerId, HttpContext context, ClaimsPrincipal user, PrinterTableCache printers, IGrainFactory grains)
    {
        var body = await ApiBody.ReadJsonAsync<CalibrationRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        return (await CalibrateAsync(printers, grains, user.CustomerId()!, printerId, body.Value!)).ToResult();
    }

    /// <summary>Keeps the customer's calibration offset for a printer (the API's and the portal's one way): a <see cref="CalibrationView"/> or the problem.</summary>
    public static async Task<ApiResponse> CalibrateAsync(PrinterTableCache printers, IGrainFactory grains, string customerId, string printerId,
        CalibrationRequest request)
    {
        if (request.XMils is not { } x || request.YMils is not { } y)
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "xMils and yMils are required (thousandths of an inch; 0 for none)");
        var offset = new CalibrationOffset(x, y);
        if (!offset.IsWithinBounds)
            return ApiResponse.Problem(ErrorCode.CalibrationOutOfRange,
                $"the offset ({x}, {y}) mils is more than {CalibrationOffset.MaxMils} mils ({CalibrationOffset.MaxMils / 1000m} in.) either way");
        var table = await printers.GetAsync();
        if (Find(table, printerId) is not { } printer) return Unknown(printerId);
        var result = await grains.GetGrain<ICustomerGrain>(customerId).SetPrinterCalibration(new PrinterCalibration(printer.Id, x, y));
        if (!result.IsSuccess) return ApiResponse.Problem(result.Error, result.Message!);
        return ApiResponse.Ok(CalibrationView.Of(printer, offset));
    }

    private static async Task<IResult> PutPrinterFromRequestAsync(string printerId, HttpContext context, ClaimsPrincipal user, PrinterTableCache printers,
        IGrainFactory grains)
    {
        var body = await ApiBody.ReadJsonAsync<PrinterRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        return (await PutPrinterAsync(printers, grains, printerId, body.Value!, user.Identity!.Name!)).ToResult();
    }

    /// <summary>
    /// Adds a printer or replaces it (a retired one comes back), for an operator: the API's and the portal's one way.
    /// A <see cref="PrinterTableAdminView"/>, or the problem.
    /// </summary>
    public static async Task<ApiResponse> PutPrinterAsync(PrinterTableCache printers, IGrainFactory grains, string printerId, PrinterRequest r,
        string operatorName)
    {
        if (r.Name is null || r.Dpi is null || r.OffsetXDots is null || r.OffsetYDots is null || r.Formats is null || r.Layouts is null || r.Media is null)
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "name, dpi, offsetXDots, offsetYDots, formats, layouts and media are all required");
        if (Check(printerId, r) is { } refused) return refused;
        var record = new PrinterRecord(printerId, r.Name, r.Dpi.Value, r.OffsetXDots.Value, r.OffsetYDots.Value,
            [.. r.Formats.Select(f => f.ToLowerInvariant())], [.. r.Layouts.Select(l => l.ToLowerInvariant())], r.Media) { ChangedBy = operatorName };
        var result = await grains.GetGrain<IPrinterTableGrain>(0).Put(record);
        if (!result.IsSuccess) return ApiResponse.Problem(result.Error, result.Message!);
        printers.Accept(result.Table!);
        return ApiResponse.Ok(new PrinterTableAdminView(result.Table!.Version, result.Table.Printers));
    }

    /// <summary>Retires a printer, for an operator (the API's and the portal's one way): a <see cref="PrinterTableAdminView"/>, or the problem.</summary>
    public static async Task<ApiResponse> RetirePrinterAsync(PrinterTableCache printers, IGrainFactory grains, string printerId, string operatorName)
    {
        var result = await grains.GetGrain<IPrinterTableGrain>(0).Retire(printerId.ToLowerInvariant(), operatorName);
        if (!result.IsSuccess) return ApiResponse.Problem(result.Error, result.Message!);
        printers.Accept(result.Table!);
        return ApiResponse.Ok(new PrinterTableAdminView(result.Table!.Version, result.Table.Printers));
    }

    /// <summary>An operator's printer checked as the renderer will use it; the problem with its stable code, or null.</summary>
    internal static ApiResponse? Check(string printerId, PrinterRequest r)
    {
        var formats = r.Formats!.Select(PrinterRecords.ParseFormat).ToList();
        var layouts = r.Layouts!.Select(PrinterRecords.ParseLayout).ToList();
        if (formats.Any(f => f is null))
            return ApiResponse.Problem(ErrorCode.InvalidPrinterProfile, $"formats [{string.Join(", ", r.Formats!)}] are not all of pdf, png, svg, zpl");
        if (layouts.Any(l => l is null))
            return ApiResponse.Problem(ErrorCode.InvalidPrinterProfile, $"layouts [{string.Join(", ", r.Layouts!)}] are not all of label-4x6, envelope-10");
        var profile = new PrinterProfile(printerId, r.Name!, r.Dpi!.Value, r.OffsetXDots!.Value, r.OffsetYDots!.Value, [.. formats.Select(f => f!.Value)],
            [.. layouts.Select(l => l!.Value)], r.Media!);
        var (problem, message) = profile.Check();
        var code = problem switch
        {
            PrinterProblem.None => ErrorCode.None,
            PrinterProblem.DpiOutOfRange => ErrorCode.PrinterDpiOutOfRange,
            PrinterProblem.ShiftOutOfRange => ErrorCode.PrinterShiftOutOfRange,
            _ => ErrorCode.InvalidPrinterProfile,
        };
        return code == ErrorCode.None ? null : ApiResponse.Problem(code, message!, new Dictionary<string, object?> { ["problem"] = problem.ToString() });
    }

    private static PrinterProfile? Find(PrinterTableCache.Snapshot table, string printerId) => table.Active.Find(printerId);

    private static ApiResponse Unknown(string printerId) =>
        ApiResponse.Problem(ErrorCode.UnknownPrinter, $"printer '{printerId}' is not in the printer table (GET /v1/printers)");

    /// <summary>Why <paramref name="printer"/> refuses this format or layout, for a PrinterDoesNotTake problem.</summary>
    internal static string DoesNotTake(PrinterProfile printer, LabelFormat format, LabelLayout layout) =>
        $"printer {printer.Id} prints {string.Join(", ", printer.Formats.Select(TestPrint.FormatName))} on {string.Join(", ", printer.Layouts.Select(TestPrint.LayoutName))}, "
            + $"not {TestPrint.FormatName(format)} on {TestPrint.LayoutName(layout)}";
}

/// <summary>
/// The customer's calibration offsets ride in the authenticated principal (the account grain answers them with the
/// token check every request makes), one claim per printer: <c>"{printerId} {xMils} {yMils}"</c>.
/// </summary>
public static class PrinterClaims
{
    public const string Type = "vbi:calibration";

    public static Claim Claim(PrinterCalibration c) =>
        new(Type, string.Create(CultureInfo.InvariantCulture, $"{c.PrinterId} {c.XMils} {c.YMils}"));

    public static IEnumerable<PrinterCalibration> Read(ClaimsPrincipal user)
    {
        foreach (var claim in user.FindAll(Type))
        {
            var parts = claim.Value.Split(' ');
            if (parts.Length == 3 && int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x)
                && int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var y))
                yield return new PrinterCalibration(parts[0], x, y);
        }
    }
}
