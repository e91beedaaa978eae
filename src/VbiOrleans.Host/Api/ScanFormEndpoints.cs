using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Shipping;
using VbiOrleans.Host.Security;
using VbiOrleans.Labels;
using VbiOrleans.Labels.ScanForms;

namespace VbiOrleans.Host.Api;

/// <summary>The body of POST /v1/scan-forms: every member optional.</summary>
public sealed record ScanFormRequest(string? Date, IReadOnlyList<string>? MeterIds, IReadOnlyList<string>? TrackingNumbers);

public sealed record ScanFormPackageView(string TrackingNumber, string IndiciumId, string MailClass, string WeightOz, string DestinationZip, long PostageMills,
    string Postage);

/// <summary>A SCAN form as the API shows it; <see cref="Pdf"/> (base64) only when one form is asked for.</summary>
public sealed record ScanFormView(string FormNumber, string Date, DateTimeOffset CreatedAt, string MailerName, IReadOnlyList<string> MailerAddress,
    string OriginZip, int PackageCount, long TotalPostageMills, string TotalPostage, IReadOnlyList<string> TrackingNumbers,
    IReadOnlyList<ScanFormPackageView> Packages, string? Pdf)
{
    public static ScanFormView Of(ScanFormRecord f, byte[]? pdf) => new(f.FormNumber, f.DateOfMailing.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        f.CreatedAt, f.MailerName, f.MailerAddress, f.OriginZip, f.Packages.Count, f.TotalPostageMills, new Mills(f.TotalPostageMills).ToDollars(),
        [.. f.Packages.Select(p => p.TrackingNumber)],
        [.. f.Packages.Select(p => new ScanFormPackageView(p.TrackingNumber, p.IndiciumId, p.MailClass, ScanForms.Ounces(p.WeightTenthsOz).ToString(CultureInfo.InvariantCulture),
            p.DestinationZip, p.PostageMills, new Mills(p.PostageMills).ToDollars()))],
        pdf is null ? null : Convert.ToBase64String(pdf));
}

/// <summary>
/// SCAN forms (USPS Shipment Confirmation Acceptance Notice): one barcode the carrier scans at acceptance for every
/// package listed. A form lists the account's prints with a tracking number of one mailing day (all of them, a
/// meter's, or a selection) that are not refunded and on no other form. The customer's <see cref="IScanFormGrain"/>
/// gathers them from the history and keeps the forms; the endpoint checks the request, takes the form's serial and
/// renders the PDF from what the form keeps.
/// </summary>
public static class ScanForms
{
    /// <summary>The most meter ids a request names.</summary>
    public const int MaxMeterIds = 100;

    public static void MapScanFormEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/scan-forms").WithTags("SCAN forms").RequireAuthorization(ApiAuthentication.CustomerPolicy);

        group.MapPost("/", CreateFromRequestAsync)
            .WithName("CreateScanForm")
            .WithSummary("Makes a SCAN form of a day's prints with a tracking number (the account's, a meter's, or a selection) that are not refunded and on no "
                + "other form. Needs an Idempotency-Key: the same key returns the same form.")
            .Accepts<ScanFormRequest>("application/json")
            .Produces<ScanFormView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/", async (ClaimsPrincipal user, IGrainFactory grains) =>
                Results.Ok((await grains.GetGrain<IScanFormGrain>(user.CustomerId()!).List()).Select(f => ScanFormView.Of(f, null)).ToList()))
            .WithName("ListScanForms")
            .WithSummary("The account's SCAN forms kept (their mailing date within the last 31 days), newest first, without their PDFs.")
            .Produces<List<ScanFormView>>();

        group.MapGet("/{formNumber}", GetAsync)
            .WithName("GetScanForm")
            .WithSummary("One SCAN form with its PDF (base64); ?format=pdf answers with the PDF itself. The PDF renders again to the same bytes.")
            .Produces<ScanFormView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> GetAsync(string formNumber, string? format, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (format is not (null or "json" or "pdf")) return ApiResponse.Problem(ErrorCode.ValidationFailed, "format is json or pdf").ToResult();
        var form = formNumber.Length is > 0 and <= 34 && formNumber.All(char.IsAsciiDigit)
            ? await grains.GetGrain<IScanFormGrain>(user.CustomerId()!).Get(formNumber) : null;
        if (form is null) return ApiResponse.Problem(ErrorCode.ScanFormNotFound, $"the account has no SCAN form {formNumber}").ToResult();
        if (Render(form) is not { } pdf) return RenderingFailed(form).ToResult();
        return format == "pdf" ? Results.File(pdf, "application/pdf", $"scan-form-{form.FormNumber}.pdf") : Results.Ok(ScanFormView.Of(form, pdf));
    }

    private static async Task<IResult> CreateFromRequestAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IOptions<ShippingOptions> shipping,
        TimeProvider clock)
    {
        var key = context.Request.Headers[MeterEndpoints.IdempotencyHeader].ToString();
        if (key.Length is 0 or > 128 || key.Any(char.IsControl))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the {MeterEndpoints.IdempotencyHeader} header is required: 1 to 128 printable characters").ToResult();
        var body = await ApiBody.ReadJsonAsync<ScanFormRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        return (await CreateAsync(grains, user.CustomerId()!, key, body.Value!, shipping.Value, clock)).ToResult();
    }

    /// <summary>
    /// Makes (or, for a key used before with the same request, answers again) a SCAN form: the API's and the portal's one
    /// way. The key is checked by the caller (1 to 128 printable characters).
    /// </summary>
    public static async Task<ApiResponse> CreateAsync(IGrainFactory grains, string customerId, string key, ScanFormRequest request, ShippingOptions shipping,
        TimeProvider clock)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var parsed = Parse(request, today);
        if (parsed.Problem is not null) return parsed.Problem;
        var (date, meterFilter, selection) = (parsed.Date, parsed.Meters, parsed.Selection);
        var fingerprint = Fingerprint(date, meterFilter, selection);

        var forms = grains.GetGrain<IScanFormGrain>(customerId);
        // A replay answers with the form the key made, and takes no serial.
        if (await forms.Find(key, fingerprint) is { } earlier) return Answer(earlier);
        var serial = await grains.GetGrain<IScanFormSerialGrain>(0).Next();
        var draft = new ScanFormDraft(key, fingerprint, date, meterFilter, selection, ScanFormContent.NewFormNumber(shipping.MailerId, serial),
            ScanFormContent.MaxPackages, LabelShipment.MaxAddressLineLength);
        return Answer(await forms.Create(draft));
    }

    private static ApiResponse Answer(ScanFormResult result)
    {
        if (!result.IsSuccess)
        {
            return result switch
            {
                { TrackingNumber: { } number } => ApiResponse.Problem(result.Error, result.Message + "; nothing was made",
                    new Dictionary<string, object?> { ["trackingNumber"] = number }),
                { MeterId: { } meterId } => ApiResponse.Problem(result.Error, result.Message!, new Dictionary<string, object?> { ["meterId"] = meterId }),
                _ => ApiResponse.Problem(result.Error, result.Message!),
            };
        }
        var form = result.Form!;
        if (Render(form) is not { } pdf) return RenderingFailed(form);
        var view = ScanFormView.Of(form, pdf);
        return result.Replayed
            ? new ApiResponse(StatusCodes.Status200OK, view, Headers: new Dictionary<string, string> { [MeterEndpoints.ReplayedHeader] = "true" })
            : ApiResponse.Created(view);
    }

    private static ApiResponse RenderingFailed(ScanFormRecord form) =>
        ApiResponse.Problem(ErrorCode.LabelRenderingFailed, $"SCAN form {form.FormNumber} is kept but its PDF could not be rendered; ask for it again");

    internal static decimal Ounces(int tenths) => tenths / 10m;

    /// <summary>The form's PDF from what it keeps: the same form, the same bytes. Null when the renderer refuses it.</summary>
    /// <summary>The form's PDF (the same bytes every time), or null when it cannot be rendered.</summary>
    public static byte[]? Render(ScanFormRecord form)
    {
        var content = new ScanFormContent(form.FormNumber, form.DateOfMailing, form.MailerName, form.MailerAddress, form.OriginZip,
            [.. form.Packages.Select(p => new ScanFormPackage(p.TrackingNumber, p.MailClass, Ounces(p.WeightTenthsOz), p.DestinationZip, p.PostageMills))]);
        try
        {
            return ScanFormRenderer.Render(content);
        }
        catch (LabelException)
        {
            return null;
        }
    }

    private sealed record Parsed(ApiResponse? Problem, DateOnly Date, IReadOnlyList<string>? Meters, IReadOnlyList<string>? Selection);

    private static Parsed Parse(ScanFormRequest r, DateOnly today)
    {
        static Parsed Fail(ErrorCode code, string detail, string field) =>
            new(ApiResponse.Problem(code, detail, new Dictionary<string, object?> { ["field"] = field }), default, null, null);

        var date = today;
        if (r.Date is not null
            && !DateOnly.TryParseExact(r.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            return Fail(ErrorCode.InvalidMailingDate, $"date '{r.Date}' is not a date as YYYY-MM-DD", "date");
        if (date > today || date < today.AddDays(-IScanFormGrain.MaxDaysBack))
            return Fail(ErrorCode.InvalidMailingDate,
                $"date {date:yyyy-MM-dd} is not today ({today:yyyy-MM-dd}, UTC) or one of the {IScanFormGrain.MaxDaysBack} days before", "date");
        if (r.MeterIds is { } meters)
        {
            if (meters.Count is 0 or > MaxMeterIds)
                return Fail(ErrorCode.ValidationFailed, $"meterIds names 1 to {MaxMeterIds} meters, or is left out for all of the account's", "meterIds");
            if (meters.FirstOrDefault(m => !MeterId.TryParse(m, out _)) is { } bad)
                return Fail(ErrorCode.InvalidMeterId, $"'{bad}' is not a meter id", "meterIds");
        }
        if (r.TrackingNumbers is { } numbers)
        {
            if (numbers.Count is 0 or > ScanFormContent.MaxPackages)
                return Fail(ErrorCode.ValidationFailed, $"trackingNumbers names 1 to {ScanFormContent.MaxPackages} packages, or is left out for the whole day", "trackingNumbers");
            if (numbers.FirstOrDefault(n => !TrackingNumber.TryParse(n, out _)) is { } bad)
                return Fail(ErrorCode.ValidationFailed, $"'{bad}' is not a tracking number (22 digits ending in their check digit)", "trackingNumbers");
        }
        return new(null, date, r.MeterIds?.Distinct(StringComparer.Ordinal).ToList(), r.TrackingNumbers?.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>The request as the idempotency key remembers it: the date, the meters and the selection, each as given.</summary>
    private static string Fingerprint(DateOnly date, IReadOnlyList<string>? meters, IReadOnlyList<string>? selection)
    {
        var text = $"{date:yyyy-MM-dd}|{(meters is null ? "*" : string.Join(',', meters.Order(StringComparer.Ordinal)))}|{(selection is null ? "*" : string.Join(',', selection))}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
