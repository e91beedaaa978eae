using System.Security.Cryptography;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Host.Api;

public sealed record VerifyIndiciumRequest(string? Indicium, bool? Online);

/// <summary>The verdict: valid only when every check that ran passed. Reasons list every failed check's code.</summary>
public sealed record VerifyIndiciumResponse(
    bool Valid,
    IndiciumView? Indicium,
    IReadOnlyList<CheckView> Checks,
    IReadOnlyList<ReasonView> Reasons,
    OnlineView? Online);

public sealed record CheckView(string Check, string Status, string? Code, string Message);

public sealed record ReasonView(string Code, string Check, string Message);

/// <summary>
/// The online check against our records: <c>InRecords</c> is null when the indicium was mailed before the records
/// kept online begin (<c>RecordsFrom</c>), so the records can neither confirm nor deny it.
/// </summary>
public sealed record OnlineView(string? MeterId, bool? InRecords, bool? Refunded, string? IndiciumId, DateTimeOffset? RecordsFrom);

public sealed record IndiciumView(
    int FormatVersion,
    string Kind,
    string CertificateSerial,
    string VendorId,
    string Model,
    string DeviceSerial,
    long AscendingAfterMills,
    long PostageMills,
    string Postage,
    DateOnly DateOfMailing,
    string LicensingZip,
    string DestinationZip,
    string MailClass,
    long PieceCounter,
    string SoftwareId,
    long DescendingAfterMills)
{
    public static IndiciumView Of(IndiciumData d) => new(IndiciumData.FormatVersion, d.Kind.ToString(), d.CertificateSerial, d.Device.VendorId,
        d.Device.Model, d.Device.Serial, d.AscendingAfter.Value, d.Postage.Value, d.Postage.ToDollars(), d.DateOfMailing, d.LicensingZip,
        d.DestinationZip, d.MailClass, d.PieceCounter, d.SoftwareId, d.DescendingAfter.Value);
}

/// <summary>
/// Verification for anyone holding an indicium, and the certificates to do it offline. No credential is needed: a
/// postal inspector, a scanner in a sorting centre and a recipient all get the same answer.
/// </summary>
public static class IndiciumEndpoints
{
    /// <summary>An indicium is about 186 bytes (docs/indicium-format.md); this leaves room for longer ZIPs and names and still refuses junk.</summary>
    public const int MaxIndiciumBytes = 1024;

    private const string PemContentType = "application/x-pem-file";

    public static void MapIndiciumEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Indicia: verification and certificates");

        group.MapPost("/indicia/verify", VerifyAsync)
            .WithName("VerifyIndicium")
            .WithSummary("Verifies indicium bytes as a scanner reads them (base64): format, certificate, signature, chain to the postal CA, "
                + "validity on the date of mailing, register arithmetic and, unless online is false, our records and refunds.")
            .Produces<VerifyIndiciumResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/certificates/postal-ca", async (IGrainFactory grains) =>
                Pem(await grains.GetGrain<IPostalCaGrain>(0).Certificate(), "postal-ca.pem"))
            .WithName("PostalCaCertificate")
            .WithSummary("The postal CA certificate (PEM): the trust anchor for every meter certificate.");

        group.MapGet("/certificates/{serial}", async (string serial, IGrainFactory grains) =>
            {
                if (!IsSerial(serial)) return Problems.Result(ErrorCode.ValidationFailed, $"'{serial}' is not a certificate serial (hex, up to 40 digits)");
                var found = await grains.GetGrain<IMeterCertificateGrain>(serial.ToUpperInvariant()).Get();
                return found is null
                    ? Problems.Result(ErrorCode.NotFound, $"no meter certificate has serial {serial}")
                    : Pem(found.Certificate, $"{serial.ToUpperInvariant()}.pem");
            })
            .WithName("MeterCertificateBySerial")
            .WithSummary("A meter certificate (PEM) by the serial an indicium carries.");

        group.MapGet("/meters/{meterId}/certificate", async (string meterId, IGrainFactory grains) =>
            {
                if (!MeterId.TryParse(meterId, out _)) return Problems.Result(ErrorCode.InvalidMeterId, $"'{meterId}' is not a meter id");
                var certificate = await grains.GetGrain<IMeterGrain>(meterId).Certificate();
                return certificate is null ? Problems.Result(ErrorCode.MeterNotFound, $"meter {meterId} does not exist") : Pem(certificate, $"{meterId}.pem");
            })
            .WithName("MeterCertificate")
            .WithSummary("A meter's certificate (PEM).");
    }

    private static async Task<IResult> VerifyAsync(VerifyIndiciumRequest request, IGrainFactory grains, TimeProvider clock)
    {
        if (string.IsNullOrWhiteSpace(request.Indicium))
            return Problems.Result(ErrorCode.ValidationFailed, "indicium is required: the bytes the scanner read, base64");
        if (request.Indicium.Length > MaxIndiciumBytes * 4 / 3 + 4)
            return Problems.Result(ErrorCode.ValidationFailed, $"indicium is longer than {MaxIndiciumBytes} bytes");
        var bytes = new byte[request.Indicium.Length];
        if (!Convert.TryFromBase64String(request.Indicium.Trim(), bytes, out var length))
            return Problems.Result(ErrorCode.ValidationFailed, "indicium is not base64");
        bytes = bytes[..length];

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var decoded = IndiciumData.Decode(bytes);
        MeterCertificate? certificate = null;
        if (decoded.IsSuccess && IsSerial(decoded.Value.Data.CertificateSerial))
            certificate = await grains.GetGrain<IMeterCertificateGrain>(decoded.Value.Data.CertificateSerial.ToUpperInvariant()).Get();
        var ca = await grains.GetGrain<IPostalCaGrain>(0).Certificate();
        var limits = (await grains.GetGrain<IModuleLimitsGrain>(0).Limits()).ToMeterLimits();
        var offline = IndiciumVerifier.Verify(bytes, certificate?.Certificate, ca, limits, today);

        var checks = offline.Checks.ToList();
        OnlineView? online = null;
        if (request.Online != false && offline.Data is { } data && certificate is not null)
        {
            var lookup = await grains.GetGrain<IMeterGrain>(certificate.MeterId).FindIndicium(bytes);
            var (recordCheck, refundCheck, view) = Online(data, certificate.MeterId, lookup);
            checks.Add(recordCheck);
            checks.Add(refundCheck);
            online = view;
        }

        var reasons = checks.Where(c => c.Status == CheckStatus.Failed).Select(c => new ReasonView(c.Code!, c.Check, c.Message)).ToList();
        return Results.Ok(new VerifyIndiciumResponse(
            reasons.Count == 0 && offline.Data is not null,
            offline.Data is { } d ? IndiciumView.Of(d) : null,
            [.. checks.Select(c => new CheckView(c.Check, c.Status.ToString(), c.Code, c.Message))],
            reasons,
            online));
    }

    private static (CheckOutcome Records, CheckOutcome Refund, OnlineView View) Online(IndiciumData data, string meterId, IndiciumLookup lookup)
    {
        if (lookup.Record is { } record)
        {
            var refund = record.Refunded
                ? new CheckOutcome(VerificationChecks.Refund, CheckStatus.Failed, VerificationCodes.Refunded,
                    $"indicium {record.IndiciumId} was refunded: its postage went back to the meter and it must not be used")
                : new CheckOutcome(VerificationChecks.Refund, CheckStatus.Passed, null, $"indicium {record.IndiciumId} has not been refunded");
            return (new CheckOutcome(VerificationChecks.Records, CheckStatus.Passed, null,
                    $"issued by meter {meterId} as {record.IndiciumId} at {record.PrintedAt:yyyy-MM-dd HH:mm:ss} UTC"),
                refund, new OnlineView(meterId, true, record.Refunded, record.IndiciumId, lookup.RecordsFrom));
        }
        if (data.DateOfMailing < DateOnly.FromDateTime(lookup.RecordsFrom.UtcDateTime))
        {
            var why = $"mailed before {lookup.RecordsFrom:yyyy-MM-dd}, where the records kept online begin";
            return (new CheckOutcome(VerificationChecks.Records, CheckStatus.NotRun, null, why),
                new CheckOutcome(VerificationChecks.Refund, CheckStatus.NotRun, null, why + "; refunds are only possible within that window"),
                new OnlineView(meterId, null, null, null, lookup.RecordsFrom));
        }
        return (new CheckOutcome(VerificationChecks.Records, CheckStatus.Failed, VerificationCodes.NotInRecords,
                $"meter {meterId} issued no indicium with these bytes (it has printed {lookup.PieceCount} pieces)"),
            new CheckOutcome(VerificationChecks.Refund, CheckStatus.NotRun, null, "not in our records"),
            new OnlineView(meterId, false, null, null, lookup.RecordsFrom));
    }

    private static bool IsSerial(string serial) => serial.Length is > 0 and <= 40 && serial.All(Uri.IsHexDigit);

    internal static IResult Pem(byte[] der, string fileName) =>
        new PemResult(Results.Text(PemEncoding.WriteString("CERTIFICATE", der) + "\n", PemContentType, System.Text.Encoding.ASCII), fileName);

    /// <summary>The PEM text with a file name, so a browser saves it as a certificate file.</summary>
    private sealed class PemResult(IResult inner, string fileName) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.ContentDisposition = $"inline; filename=\"{fileName}\"";
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return inner.ExecuteAsync(context);
        }
    }
}
