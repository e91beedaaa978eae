using System.Security.Claims;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Host.Api;
using VbiOrleans.Host.Portal.Security;
using VbiOrleans.Host.Security;
using VbiOrleans.Labels.Printers;

namespace VbiOrleans.Host.Portal;

/// <summary>
/// The files a customer's pages link to (an invoice's PDF, a SCAN form's PDF), answered to the customer's session: the
/// same grain calls and renderers as the API's <c>?format=pdf</c>, and the same 404 for another customer's file as for
/// none. GET only: a download changes nothing.
/// </summary>
public static class PortalDownloads
{
    public static void MapPortalDownloads(this IEndpointRouteBuilder app)
    {
        var customer = app.MapGroup("").RequireAuthorization(PortalAuthentication.CustomerPolicy).ExcludeFromDescription();

        customer.MapGet("/invoices/{number}/pdf", async (string number, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            if (await PlanEndpoints.FindAsync(grains, user.CustomerId()!, number) is null) return Results.NotFound();
            var pdf = await grains.GetGrain<IInvoiceGrain>(number).Pdf();
            return pdf is null ? Results.NotFound() : Results.File(pdf, "application/pdf", $"{number}.pdf");
        });

        customer.MapGet("/scan-forms/{formNumber}/pdf", async (string formNumber, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var form = formNumber.Length is > 0 and <= 34 && formNumber.All(char.IsAsciiDigit)
                ? await grains.GetGrain<IScanFormGrain>(user.CustomerId()!).Get(formNumber) : null;
            if (form is null) return Results.NotFound();
            return ScanForms.Render(form) is { } pdf
                ? Results.File(pdf, "application/pdf", $"scan-form-{form.FormNumber}.pdf")
                : Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: nameof(ErrorCode.LabelRenderingFailed));
        });

        // A label again, from the meter's history (no signed request: nothing moves); only the account's own meters, asked
        // of the account, and the same 404 for another customer's meter as for none.
        customer.MapGet("/meters/{meterId}/labels/{indiciumId}", async (string meterId, string indiciumId, string? format, ClaimsPrincipal user,
            IGrainFactory grains, PrinterTableCache printers, CancellationToken cancellationToken) =>
        {
            var account = await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).Get();
            if (account is null || !account.MeterIds.Contains(meterId)) return Results.NotFound();
            if (format is not (null or "pdf" or "png")) return Results.BadRequest();
            var response = await MeterEndpoints.LabelAgainAsync(grains, printers, meterId, indiciumId, new LabelOptionsRequest(format ?? "pdf", null, null, null),
                _ => CalibrationOffset.None, cancellationToken);
            return response.Body is LabelView view
                ? Results.File(Convert.FromBase64String(view.Data), view.ContentType, view.FileName)
                : response.ToResult();
        });

        // A test print in the printer's first format and layout, with the customer's calibration for it (read from the
        // account: the portal's session does not carry the API's calibration claims).
        customer.MapGet("/printers/{printerId}/test-print", async (string printerId, ClaimsPrincipal user, IGrainFactory grains, PrinterTableCache printers,
            TimeProvider clock) =>
        {
            var calibrations = (await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).Get())?.PrinterCalibrations ?? [];
            var response = await PrinterEndpoints.RenderTestPrintAsync(printers, new TestPrintRequest(printerId, null, null),
                id => calibrations.FirstOrDefault(c => c.PrinterId == id) is { } c ? new CalibrationOffset(c.XMils, c.YMils) : CalibrationOffset.None, clock);
            return response.Body is TestPrintView view
                ? Results.File(Convert.FromBase64String(view.Data), view.ContentType, view.FileName)
                : response.ToResult();
        });
    }
}
