using System.Security.Claims;
using System.Security.Cryptography;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Abstractions.Partners;
using Microsoft.Extensions.Options;
using VbiOrleans.Domain.Addresses;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Rates;
using VbiOrleans.Domain.Shipping;
using VbiOrleans.Host.Security;
using VbiOrleans.Labels;
using VbiOrleans.Labels.Printers;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Host.Api;

/// <summary>
/// A customer's meters (or a linked partner's, acting for the customer): licensing, the client protocol (registration,
/// login, password change; docs/client-protocol.md) and the money-moving requests, each a signed request under the
/// HMK that the module checks and answers with the next challenge. A customer reaches only its own meters; any other
/// meter id is "not found". Every money-moving POST needs an <c>Idempotency-Key</c> equal to the signed request's.
/// </summary>
public static class MeterEndpoints
{
    public const string IdempotencyHeader = LabelEndpoints.IdempotencyHeader;
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static void MapMeterEndpoints(this IEndpointRouteBuilder app)
    {
        var printers = app.ServiceProvider.GetRequiredService<PrinterTableCache>();

        app.MapGet("/v1/module/identity", async (IGrainFactory grains) =>
            {
                var spki = await grains.GetGrain<IModuleIdentityGrain>(0).PublicKey();
                return Results.Ok(new ModuleIdentityView("ECDSA P-256", Convert.ToBase64String(spki), Convert.ToHexStringLower(SHA256.HashData(spki)),
                    PemEncoding.WriteString("PUBLIC KEY", spki) + "\n"));
            })
            .WithTags("Client protocol")
            .WithName("ModuleIdentity")
            .WithSummary("The module identity public key that signs registration answers. Clients pin it (compare the fingerprint out of band).")
            .Produces<ModuleIdentityView>();

        var meters = app.MapGroup("/v1/meters").WithTags("Meters").RequireAuthorization(ApiAuthentication.CustomerPolicy);

        meters.MapPost("/", LicenseAsync)
            .WithName("LicenseMeter")
            .WithSummary("Licenses a new meter to the customer at a licensing ZIP (5 digits). An Idempotency-Key makes a retry return the same meter.")
            .Accepts<LicenseMeterRequest>("application/json")
            .Produces<MeterView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest);

        meters.MapGet("/", async (ClaimsPrincipal user, IGrainFactory grains) =>
            {
                var customer = await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).Get();
                var views = new List<MeterView>();
                foreach (var meterId in customer?.MeterIds ?? [])
                {
                    if (await grains.GetGrain<IMeterGrain>(meterId).Snapshot() is { } s) views.Add(MeterView.Of(meterId, s));
                }
                return Results.Ok(views);
            })
            .WithName("ListMeters")
            .Produces<IReadOnlyList<MeterView>>();

        meters.MapGet("/{meterId}", async (string meterId, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (Owned(user, meterId) is { } refused) return refused.ToResult();
                var s = await grains.GetGrain<IMeterGrain>(meterId).Snapshot();
                if (s is null) return NotFound(meterId).ToResult();
                var licence = await grains.GetGrain<VbiOrleans.Abstractions.Provider.IMeterLicenceGrain>(meterId).Status();
                return Results.Ok(MeterView.Of(meterId, s) with { Licence = LicenceView.Of(licence) });
            })
            .WithName("GetMeter")
            .WithSummary("The meter's state and registers (the balance is the descending register), and its licence: pending, approved or rejected with the postal authority's reason.")
            .Produces<MeterView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        meters.MapPost("/{meterId}/registration", (string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                ProtocolAsync<RegistrationRequestJson, RegistrationRequest>(context, user, meterId, RegistrationRequest.FromJson, r => r.MeterId, r => r.Encode(),
                    (session, bytes) => session.BeginRegistration(bytes),
                    (result, _) => ApiResponse.Ok(RegistrationResponse.Decode(result.Reply!).Value!.ToJson()), grains))
            .WithTags("Client protocol")
            .WithName("BeginRegistration")
            .WithSummary("Registration, first half: the client's challenge; the answer is the module's ephemeral key signed with the module identity key.")
            .Accepts<RegistrationRequestJson>("application/json")
            .Produces<RegistrationResponseJson>()
            .ProducesProblem(StatusCodes.Status409Conflict);

        meters.MapPost("/{meterId}/registration/envelope", (string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                ProtocolAsync<RegistrationEnvelopeJson, RegistrationEnvelope>(context, user, meterId, RegistrationEnvelope.FromJson, r => r.MeterId, r => r.Encode(),
                    (session, bytes) => session.CompleteRegistration(bytes),
                    (result, s) => ApiResponse.Ok(MeterView.Of(meterId, result.Registers!, s?.LicensingZip, s?.CertificateSerial)), grains))
            .WithTags("Client protocol")
            .WithName("CompleteRegistration")
            .WithSummary("Registration, second half: the HMK and password sealed to the module's ephemeral key. The meter becomes operational.")
            .Accepts<RegistrationEnvelopeJson>("application/json")
            .Produces<MeterView>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        meters.MapPost("/{meterId}/sessions", (string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                ProtocolAsync<LoginRequestJson, LoginRequest>(context, user, meterId, LoginRequest.FromJson, r => r.MeterId, r => r.Encode(),
                    (session, bytes) => session.Login(bytes),
                    (result, _) => ApiResponse.Ok(LoginResponse.Decode(result.Reply!).Value!.ToJson()), grains))
            .WithTags("Client protocol")
            .WithName("OpenMeterSession")
            .WithSummary("Opens the meter's session: the password sealed under the HMK. The answer (MAC'd with the HMK) carries the first challenge and the registers. A wrong password ends the open session.")
            .Accepts<LoginRequestJson>("application/json")
            .Produces<LoginResponseJson>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        meters.MapDelete("/{meterId}/sessions/current", async (string meterId, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (Owned(user, meterId) is { } refused) return refused.ToResult();
                await grains.GetGrain<IClientSessionGrain>(meterId).Logout();
                return Results.NoContent();
            })
            .WithTags("Client protocol")
            .WithName("CloseMeterSession");

        meters.MapPost("/{meterId}/password", (string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                ProtocolAsync<PasswordChangeRequestJson, PasswordChangeRequest>(context, user, meterId, PasswordChangeRequest.FromJson, r => r.MeterId,
                    r => r.Encode(),
                    (session, bytes) => session.ChangePassword(bytes, context.Request.Headers[IdempotencyHeader].ToString() is { Length: > 0 } key
                        ? key : "password-" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]),
                    (result, s) => ApiResponse.Ok(MeterView.Of(meterId, result.Registers!, s?.LicensingZip, s?.CertificateSerial)), grains))
            .WithTags("Client protocol")
            .WithName("ChangeMeterPassword")
            .WithSummary("Replaces the meter password (both sealed under the HMK). The new one must not be one of the last N (the passphrase repetition list).")
            .Accepts<PasswordChangeRequestJson>("application/json")
            .Produces<MeterView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        meters.MapPost("/{meterId}/funds", (string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                TransactAsync(context, user, meterId, TransactionKinds.PostageValueDownload, grains, printers))
            .WithName("Fund")
            .WithSummary("A postage value download (fund the meter): a signed request of kind pvd with the payment reference. Needs Idempotency-Key.")
            .Accepts<SignedTransactionRequest>("application/json")
            .Produces<TransactionView>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        app.MapPost("/v1/meters/{meterId}/prints", PrintAsync)
            .RequireAuthorization(ApiAuthentication.CustomerOrOperatorPolicy)
            .WithTags("Meters")
            .WithName("PrintWithLabel")
            .WithSummary("Prints one indicium and returns its bytes and its label. Customers send a signed request of kind print and the label options; "
                + "operators (an audited path) send the unsigned form {postageMills, destinationZip, mailClass, itemKind, label}. Needs Idempotency-Key.")
            .Accepts<SignedTransactionRequest>("application/json")
            .Produces<TransactionView>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        meters.MapPost("/{meterId}/refunds", (string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                TransactAsync(context, user, meterId, TransactionKinds.Refund, grains, printers))
            .WithName("Refund")
            .WithSummary("Refunds an unused indicium within the refund window: its postage goes back from AR to DR. A signed request of kind refund. Needs Idempotency-Key.")
            .Accepts<SignedTransactionRequest>("application/json")
            .Produces<TransactionView>()
            .ProducesProblem(StatusCodes.Status409Conflict);

        meters.MapPost("/{meterId}/withdrawal", (string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
                TransactAsync(context, user, meterId, TransactionKinds.Withdraw, grains, printers))
            .WithName("Withdraw")
            .WithSummary("Withdraws the meter (final): the remaining DR is paid back. A signed request of kind withdraw. Needs Idempotency-Key.")
            .Accepts<SignedTransactionRequest>("application/json")
            .Produces<TransactionView>();

        meters.MapGet("/{meterId}/history", HistoryAsync)
            .WithName("History")
            .WithSummary("The meter's transactions, newest first (limit 1 to 200, default 50; before: a sequence to page back from).")
            .Produces<HistoryPage>();

        meters.MapGet("/{meterId}/prints/{indiciumId}/label", (string meterId, string indiciumId, ClaimsPrincipal user, IGrainFactory grains, string? format,
                string? layout, string? printer, int? dpi, CancellationToken cancellationToken) =>
                LabelAgainAsync(meterId, indiciumId, user, grains, printers, new LabelOptionsRequest(format, layout, printer, dpi), cancellationToken))
            .WithName("LabelAgain")
            .WithSummary("The label of an indicium this meter printed, rendered again from its bytes (any format); refused once it was refunded.")
            .Produces<LabelView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    // ---- licensing ----------------------------------------------------------------------------------------------

    private static async Task<IResult> LicenseAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains)
    {
        var body = await ApiBody.ReadJsonAsync<LicenseMeterRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        if (!Zip.IsValidOrigin(body.Value!.LicensingZip))
            return ApiResponse.Problem(ErrorCode.InvalidZip, $"licensingZip '{body.Value.LicensingZip}' is not a 5-digit ZIP code").ToResult();
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length > 128 || key.Any(char.IsControl))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the {IdempotencyHeader} header is 1 to 128 printable characters").ToResult();
        var result = await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).LicenseMeter(body.Value.LicensingZip!,
            key.Length > 0 ? key : Guid.NewGuid().ToString("N"));
        if (!result.IsSuccess) return ApiResponse.Problem(result.Error, result.Message!).ToResult();
        var s = await grains.GetGrain<IMeterGrain>(result.MeterId!).Snapshot();
        return ApiResponse.Created(MeterView.Of(result.MeterId!, s!.Registers, s.LicensingZip, s.CertificateSerial)).ToResult();
    }

    // ---- the client protocol: registration, login, password change ----------------------------------------------

    private static async Task<IResult> ProtocolAsync<TJson, TMessage>(HttpContext context, ClaimsPrincipal user, string meterId,
        Func<TJson?, Decoded<TMessage>> fromJson, Func<TMessage, string> meterOf, Func<TMessage, byte[]> encode,
        Func<IClientSessionGrain, byte[], Task<ClientProtocolResult>> call, Func<ClientProtocolResult, MeterSnapshot?, ApiResponse> ok, IGrainFactory grains)
        where TJson : class where TMessage : class
    {
        if (Owned(user, meterId) is { } refused) return refused.ToResult();
        var body = await ApiBody.ReadJsonAsync<TJson>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var decoded = fromJson(body.Value);
        if (!decoded.IsSuccess) return Malformed(decoded.Error, decoded.Field).ToResult();
        if (meterOf(decoded.Value) != meterId)
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the message is for meter {meterOf(decoded.Value)}, not {meterId}").ToResult();
        var result = await call(grains.GetGrain<IClientSessionGrain>(meterId), encode(decoded.Value));
        if (!result.IsSuccess)
        {
            var extensions = result.Detail is { } detail ? new Dictionary<string, object?> { ["violation"] = detail } : null;
            return ApiResponse.Problem(result.Error, result.Message!, extensions, result.RetryAfter).ToResult();
        }
        var snapshot = result.Registers is null ? null : await grains.GetGrain<IMeterGrain>(meterId).Snapshot();
        return ok(result, snapshot).ToResult();
    }

    // ---- money-moving requests ----------------------------------------------------------------------------------

    private static async Task<IResult> PrintAsync(string meterId, HttpContext context, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (user.CustomerId() is null && user.IsOperator())
        {
            // The operators' path (written to the operator audit log by the audit middleware): the unsigned form.
            var body = await ApiBody.ReadJsonAsync<PrintLabelRequest>(context);
            if (body.Problem is not null) return body.Problem.ToResult();
            return await LabelEndpoints.PrintAsync(meterId, body.Value!, context, grains);
        }
        return await TransactAsync(context, user, meterId, TransactionKinds.Print, grains, context.RequestServices.GetRequiredService<PrinterTableCache>());
    }

    private static async Task<IResult> TransactAsync(HttpContext context, ClaimsPrincipal user, string meterId, string kind, IGrainFactory grains,
        PrinterTableCache printers)
    {
        if (Owned(user, meterId) is { } refused) return refused.ToResult();
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (string.IsNullOrWhiteSpace(key))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the {IdempotencyHeader} header is required on money-moving requests").ToResult();
        var body = await ApiBody.ReadJsonAsync<SignedTransactionRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        if (body.Value!.Request is null) return ApiResponse.Problem(ErrorCode.MalformedRequest, "request is required: the signed request").ToResult();
        var decoded = SignedRequest.FromJson(body.Value.Request);
        if (!decoded.IsSuccess) return Malformed(decoded.Error, "request." + decoded.Field).ToResult();
        var request = decoded.Value;
        if (request.MeterId != meterId)
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the signed request is for meter {request.MeterId}, not {meterId}").ToResult();
        if (request.IdempotencyKey != key)
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"the {IdempotencyHeader} header differs from the signed request's idempotencyKey").ToResult();
        if (request.Transaction.Kind != kind)
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"this endpoint takes transactions of kind {kind}, not {request.Transaction.Kind}").ToResult();
        if (Validate(request.Transaction) is { } invalid) return invalid.ToResult();
        if (request.Transaction.Shipment is not null)
        {
            var clock = context.RequestServices.GetRequiredService<TimeProvider>();
            if (ValidateShipment(request.Transaction, context.RequestServices.GetRequiredService<IAddressMatcher>(),
                    DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)) is { } refusedShipment)
                return refusedShipment.ToResult();
        }
        LabelRequest? label = null;
        // Label format "none": the indicium alone, no label rendered (a client that lays out its own label from the bytes).
        if (kind == TransactionKinds.Print && !string.Equals(body.Value.Label?.Format, "none", StringComparison.OrdinalIgnoreCase))
        {
            // The label is checked before any money moves: a request the printer cannot take charges nothing.
            var parsed = LabelEndpoints.ParseLabel(body.Value.Label, (await printers.GetAsync()).Active);
            if (!parsed.IsSuccess) return ApiResponse.Problem(parsed.Error).ToResult();
            label = parsed.Value;
        }

        // The module's session answers an exact replay from its last exchanges (result.Retry) and the meter a key it has
        // seen from its key ledger and log, on any silo (I4); the label is rendered for this request, with the
        // customer's calibration as it is now.
        if (label?.Printer is { } printer) label = label.WithCalibration(user.PrinterCalibration(printer.Id));
        var result = await grains.GetGrain<IClientSessionGrain>(meterId).Transact(request.Encode(), user.Actor());
        if (result.Retry) context.Response.Headers[ReplayedHeader] = "true";
        var mailerId = context.RequestServices.GetRequiredService<IOptions<ShippingOptions>>().Value.MailerId;
        var response = Respond(meterId, request, label, result, mailerId);
        return response.ToResult(response.Serialize(context));
    }

    /// <summary>
    /// The response to a signed request, made of the client session's answer and the label asked for, so that an exact
    /// replay (answered from the session's last exchanges) is the same response byte for byte while the label options,
    /// the customer's calibration and the meter's registers are the same (the label renders from the indicium). A
    /// refusal the module signed (its outcome, e.g. <c>IdempotencyKeyReused</c> from the meter) is a problem that carries
    /// the signed response, so the client moves its challenge chain on.
    /// </summary>
    private static ApiResponse Respond(string meterId, SignedRequest request, LabelRequest? label, ClientTransactionResult result, string mailerId)
    {
        if (result.Error != ErrorCode.None) return ApiResponse.Problem(result.Error, result.Message!);

        var response = SignedResponse.Decode(result.SignedResponse!).Value!;
        var signed = response.ToJson();
        var registers = result.Registers!;
        var meter = MeterView.Of(meterId, registers, result.LicensingZip, result.CertificateSerial);
        if (result.Outcome != ErrorCode.None)
        {
            // A replayed refusal has no message: the exchange the session keeps holds the signed response alone.
            return ApiResponse.Problem(result.Outcome, result.OutcomeMessage
                    ?? $"{result.Outcome}: the module's signed answer to this request when it was first sent; it was not run again",
                new Dictionary<string, object?> { ["signedResponse"] = signed, ["meter"] = meter });
        }

        string? indiciumId = null;
        byte[]? indicium = null;
        if (TransactionPayload.TryReadIndicium(result.Payload, out var id, out var bytes)) (indiciumId, indicium) = (id, bytes);

        // A print's sequence is its indicium's (the meter may have moved on before a replay or a re-signed request). The
        // tracking number comes from what the log record holds too (the shipment, the device serial, the sequence), so a
        // replay, the history and any later reader compute the same one.
        var sequence = result.Indicium?.Sequence ?? registers.Sequence;
        string? trackingNumber = null;
        LabelShipment? labelShipment = null;
        if (request.Transaction.Shipment is { } shipment && indicium is not null)
        {
            trackingNumber = TrackingNumber.OfPrint(request.Transaction.MailClass, shipment.Signature, mailerId,
                IndiciumData.Decode(indicium).Value.Data.Device.Serial, sequence)?.Digits;
            labelShipment = LabelEndpoints.ShipmentOf(PrintShipments.Of(shipment), request.Transaction.MailClass, trackingNumber);
        }

        LabelView? labelView = null;
        if (label is not null && indicium is not null)
        {
            try
            {
                labelView = LabelEndpoints.Render(indicium, IndiciumData.Decode(indicium).Value.Data, indiciumId, label, labelShipment);
            }
            catch (LabelException e)
            {
                return ApiResponse.Problem(ErrorCode.LabelRenderingFailed,
                    $"indicium {indiciumId} was printed but its label could not be rendered ({e.Code}); download it again from its label endpoint",
                    new Dictionary<string, object?> { ["signedResponse"] = signed, ["meter"] = meter, ["indiciumId"] = indiciumId,
                        ["indicium"] = Convert.ToBase64String(indicium) });
            }
        }
        // A replay of a refund or withdrawal: the request names no amount, and the exchange executed on the registers the
        // request carries (the module's then), so the amount is what moved the descending register.
        var amount = result.Retry && request.Transaction.Kind is TransactionKinds.Refund or TransactionKinds.Withdraw
            ? Math.Abs(response.DescendingMills - request.DescendingMills)
            : result.AmountMills;
        return ApiResponse.Ok(new TransactionView(meterId, request.Transaction.Kind, nameof(ErrorCode.None), amount, new Mills(amount).ToDollars(),
            sequence, meter, indiciumId, indicium is null ? null : Convert.ToBase64String(indicium), labelView, signed)
        {
            TrackingNumber = trackingNumber,
        });
    }

    // ---- history and labels -------------------------------------------------------------------------------------

    private static async Task<IResult> HistoryAsync(string meterId, ClaimsPrincipal user, IGrainFactory grains, int? limit, long? before)
    {
        if (Owned(user, meterId) is { } refused) return refused.ToResult();
        if (limit is < 1 or > 200) return ApiResponse.Problem(ErrorCode.ValidationFailed, "limit is 1 to 200").ToResult();
        if (before is < 0) return ApiResponse.Problem(ErrorCode.ValidationFailed, "before is a sequence number (0 or more)").ToResult();
        var page = await HistoryPageAsync(grains, meterId, limit ?? 50, before);
        return page is null ? NotFound(meterId).ToResult() : Results.Ok(page);
    }

    /// <summary>A page of the meter's history, newest first (the API's and the portal's); null when the meter does not exist.</summary>
    internal static async Task<HistoryPage?> HistoryPageAsync(IGrainFactory grains, string meterId, int take, long? before)
    {
        var snapshot = await grains.GetGrain<IMeterGrain>(meterId).Snapshot();
        if (snapshot is null) return null;
        var top = Math.Min(before is { } b ? b - 1 : snapshot.Registers.Sequence, snapshot.Registers.Sequence);
        var entries = new List<HistoryEntry>();
        for (var page = top / IMeterHistoryGrain.PageSize; page >= 0 && top >= 0 && entries.Count < take; page--)
        {
            var list = await grains.GetGrain<IMeterHistoryGrain>($"{meterId}/{page}").List();
            entries.AddRange(list.Where(e => e.Sequence <= top));
        }
        var refunded = entries.Where(e => e.Kind == TransactionKinds.Refund && e.Reference is not null).Select(e => e.Reference!).ToHashSet();
        var shown = entries.Take(take).Select(e => new HistoryView(e.Sequence, e.At, e.Kind, e.AmountMills, new Mills(e.AmountMills).ToDollars(),
            e.AscendingMills, e.DescendingMills, e.IndiciumId, e.Indicium is null ? null : Convert.ToBase64String(e.Indicium), e.Reference, e.DestinationZip,
            e.MailClass, e.InitiatedBy, e.IndiciumId is not null && refunded.Contains(e.IndiciumId))
        {
            Shipment = e.Shipment is null ? null : HistoryShipmentView.Of(e.Shipment, e.TrackingNumber),
        }).ToList();
        long? next = shown.Count == take && shown[^1].Sequence > 0 ? shown[^1].Sequence : null;
        return new HistoryPage(meterId, shown, next);
    }

    /// <summary>How long a label downloaded again waits for its print to reach the history (commit to history: p99 under 2 s).</summary>
    private static readonly TimeSpan LabelAgainHistoryWait = TimeSpan.FromSeconds(3);

    private static async Task<IResult> LabelAgainAsync(string meterId, string indiciumId, ClaimsPrincipal user, IGrainFactory grains, PrinterTableCache printers,
        LabelOptionsRequest options, CancellationToken cancellationToken)
    {
        if (Owned(user, meterId) is { } refused) return refused.ToResult();
        return (await LabelAgainAsync(grains, printers, meterId, indiciumId, options, user.PrinterCalibration, cancellationToken)).ToResult();
    }

    /// <summary>
    /// The label of an indicium a meter printed, rendered again from its bytes (the API's and the portal's one way; the
    /// caller checked the meter is the customer's): a <see cref="LabelView"/>, or the problem. Refused once refunded.
    /// </summary>
    public static async Task<ApiResponse> LabelAgainAsync(IGrainFactory grains, PrinterTableCache printers, string meterId, string indiciumId,
        LabelOptionsRequest options, Func<string, CalibrationOffset> offsetFor, CancellationToken cancellationToken)
    {
        if (!indiciumId.StartsWith(meterId + "-", StringComparison.Ordinal)
            || !long.TryParse(indiciumId.AsSpan(meterId.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence))
            return ApiResponse.Problem(ErrorCode.IndiciumNotFound, $"meter {meterId} has no indicium {indiciumId}");
        var label = LabelEndpoints.ParseLabel(options, (await printers.GetAsync()).Active);
        if (!label.IsSuccess) return ApiResponse.Problem(label.Error);
        // A label downloaded again is for printing now: the customer's calibration as it is now.
        var request = label.Value.WithCalibration(label.Value.Printer is { } printer ? offsetFor(printer.Id) : CalibrationOffset.None);
        var history = grains.GetGrain<IMeterHistoryGrain>(IMeterHistoryGrain.Key(meterId, sequence));
        var page = await history.List();
        // A print answered a moment ago may not be in the history yet: wait for the feed before saying there is none.
        if (!page.Any(e => e.Sequence == sequence) && await HistoryCatchUp.WaitAsync(grains, LabelAgainHistoryWait, TimeSpan.FromMilliseconds(25), TimeProvider.System, cancellationToken)) page = await history.List();
        if (page.FirstOrDefault(e => e.Sequence == sequence && e.Indicium is not null) is not { } entry)
            return ApiResponse.Problem(ErrorCode.IndiciumNotFound, $"meter {meterId} has no indicium {indiciumId}");
        var lookup = await grains.GetGrain<IMeterGrain>(meterId).FindIndicium(entry.Indicium!);
        if (lookup.Record is { Refunded: true })
            return ApiResponse.Problem(ErrorCode.IndiciumAlreadyRefunded, $"indicium {indiciumId} was refunded; it must not be printed again");
        try
        {
            return ApiResponse.Ok(LabelEndpoints.Render(entry.Indicium!, IndiciumData.Decode(entry.Indicium!).Value.Data, indiciumId, request,
                LabelEndpoints.ShipmentOf(entry.Shipment, entry.MailClass, entry.TrackingNumber)));
        }
        catch (LabelException e)
        {
            return ApiResponse.Problem(ErrorCode.LabelRenderingFailed, $"the label could not be rendered ({e.Code}): {e.Message}");
        }
    }

    private static ApiResponse? Owned(ClaimsPrincipal user, string meterId)
    {
        if (!MeterId.TryParse(meterId, out _)) return ApiResponse.Problem(ErrorCode.InvalidMeterId, $"'{meterId}' is not a meter id");
        return user.OwnsMeter(meterId) ? null : NotFound(meterId);
    }

    private static ApiResponse NotFound(string meterId) => ApiResponse.Problem(ErrorCode.MeterNotFound, $"no meter {meterId} in this account");

    /// <summary>What the API checks before the module sees a transaction: ZIPs, the mail class and the kind of item (amounts and the rest the codec checked).</summary>
    private static ApiResponse? Validate(TransactionBody t)
    {
        if (t.Kind != TransactionKinds.Print) return null;
        if (!Zip.IsValidDestination(t.DestinationZip))
            return ApiResponse.Problem(ErrorCode.InvalidZip, $"destinationZip '{t.DestinationZip}' is not a ZIP code (5 digits, or ZIP+4 as 9 digits or 12345-6789)");
        if (!Rates.MailClasses.Contains(t.MailClass))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"mailClass '{t.MailClass}' is not one of {string.Join(", ", Rates.MailClasses)}");
        if (!Enum.TryParse<ItemKind>(t.ItemKind, ignoreCase: true, out var item) || !Enum.IsDefined(item) || t.ItemKind.Any(char.IsDigit))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, $"itemKind '{t.ItemKind}' is not one of {string.Join(", ", Enum.GetNames<ItemKind>().Select(n => n.ToLowerInvariant()))}");
        return null;
    }

    /// <summary>
    /// A print's shipment, checked before any grain call so a refusal charges nothing: the destination ZIP is the
    /// recipient's; both addresses match as the address matching service standardizes them (the customer signs the
    /// candidate it was offered, so the matcher finds it exact); the class takes the shipment; and the postage is at
    /// least the rate. More than the rate is the customer's choice: the module signs what the signed request says.
    /// </summary>
    private static ApiResponse? ValidateShipment(TransactionBody t, IAddressMatcher matcher, DateOnly today)
    {
        var s = t.Shipment!;
        var zip = t.DestinationZip.Replace("-", "", StringComparison.Ordinal);
        if (zip[..5] != s.To.Zip5 || (zip.Length == 9 && zip[5..] != s.To.Zip4))
            return ApiResponse.Problem(ErrorCode.ShipmentZipMismatch,
                $"destinationZip {t.DestinationZip} is not the recipient's ZIP {s.To.Zip5}{(s.To.Zip4.Length > 0 ? "-" + s.To.Zip4 : "")}");
        foreach (var (field, a) in new[] { ("shipment.to", s.To), ("shipment.from", s.From) })
        {
            var match = matcher.Match(new AddressInput(Name: a.Name, Company: a.Company.Length == 0 ? null : a.Company,
                Street: a.Street2.Length == 0 ? [a.Street] : [a.Street, a.Street2], City: a.City, State: a.State, Zip: a.Zip5));
            if (!match.IsSuccess) return ApiResponse.Problem(match.Error.Code, $"{field}: {match.Error.Message}");
            if (!match.Value.Matched)
                return ApiResponse.Problem(ErrorCode.AddressNotMatched, $"{field}: no city, state and ZIP known agree with '{a.City} {a.State} {a.Zip5}'",
                    new Dictionary<string, object?> { ["field"] = field });
            if (match.Value.Candidates[0] is { Type: not AddressMatchType.Exact } candidate)
                return ApiResponse.Problem(ErrorCode.AddressNotMatched,
                    $"{field}: '{a.City} {a.State} {a.Zip5}' does not agree; the matcher offers '{candidate.Address.OneLine}' (POST /v1/addresses/match, then sign the candidate)",
                    new Dictionary<string, object?> { ["field"] = field });
        }
        Dimensions? dims = s.HasDimensions ? new Dimensions(s.LengthHundredths, s.WidthHundredths, s.HeightHundredths) : null;
        if (dims is { LengthPlusGirth: > Shipment.MaxLengthPlusGirthInches * 100 })
            return ApiResponse.Problem(ErrorCode.InvalidDimensions, $"shipment.dimensions: length plus girth is at most {Shipment.MaxLengthPlusGirthInches} in");
        List<ExtraService> services = [];
        if (s.Signature) services.Add(ExtraService.Signature);
        if (s.Insured) services.Add(ExtraService.Insurance);
        MailClasses.TryParse(t.MailClass, out var mailClass);
        var quote = RateCalculator.Embedded.Quote(new Shipment(s.From.Zip5, s.To.Zip5, s.WeightTenthsOz, dims, null, services,
            s.Insured ? s.DeclaredValueMills : null), mailClass, today);
        if (!quote.IsSuccess) return ApiResponse.Problem(quote.Error);
        var rate = quote.Value.PostageMills;
        if (t.AmountMills < rate)
            return ApiResponse.Problem(ErrorCode.PostageBelowRate,
                $"postage {new Mills(t.AmountMills).ToDollars()} is below the rate {new Mills(rate).ToDollars()} for this {t.MailClass} shipment (zone {quote.Value.Zone.Zone.Name}, table {quote.Value.TableId}); nothing was charged",
                new Dictionary<string, object?> { ["rateMills"] = rate, ["tableId"] = quote.Value.TableId, ["zone"] = quote.Value.Zone.Zone.Name });
        return null;
    }

    private static ApiResponse Malformed(DecodeError error, string? field)
    {
        var name = field ?? "body";
        var code = name.EndsWith("amountMills", StringComparison.Ordinal) ? ErrorCode.InvalidAmount
            : name.EndsWith("destinationZip", StringComparison.Ordinal) ? ErrorCode.InvalidZip
            : name.EndsWith("shipment.weightTenthsOz", StringComparison.Ordinal) ? ErrorCode.InvalidWeight
            : name.EndsWith("shipment.dimensions", StringComparison.Ordinal) ? ErrorCode.InvalidDimensions
            : name.EndsWith("shipment.declaredValueMills", StringComparison.Ordinal) ? ErrorCode.InvalidDeclaredValue
            : ErrorCode.MalformedRequest;
        var detail = code switch
        {
            ErrorCode.InvalidAmount => $"{name}: an amount is a positive whole number of mills (tenths of a cent) for this kind of transaction",
            ErrorCode.InvalidZip => $"{name}: a ZIP code is at most 16 printable characters",
            ErrorCode.InvalidWeight => $"{name}: a weight is 1 to 11200 tenths of an ounce (70 lb)",
            ErrorCode.InvalidDimensions => $"{name}: dimensions are three sides in hundredths of an inch, longest first, each more than 0 and at most 10800",
            ErrorCode.InvalidDeclaredValue => $"{name}: a declared value is 1 to 5000000 mills, given only with insurance",
            _ => error == DecodeError.MissingField ? $"{name} is missing" : $"{name} is not valid ({error})",
        };
        return ApiResponse.Problem(code, detail, new Dictionary<string, object?> { ["field"] = name });
    }
}
