using Microsoft.AspNetCore.Mvc;
using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Host.Api;

/// <summary>
/// RFC 9457 problem documents. Every error carries <c>code</c>, the stable name of an <see cref="ErrorCode"/>;
/// clients branch on the code, never on the wording of <c>detail</c>.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static int StatusFor(ErrorCode code) => code switch
    {
        ErrorCode.ValidationFailed or ErrorCode.InvalidModuleSerial or ErrorCode.InvalidAmount or ErrorCode.InvalidMeterId
            or ErrorCode.InvalidZip => StatusCodes.Status400BadRequest,
        ErrorCode.InsufficientFunds or ErrorCode.PvdLimitExceeded or ErrorCode.DescendingRegisterCeilingExceeded
            or ErrorCode.PostageLimitExceeded or ErrorCode.RefundWindowExpired or ErrorCode.RegistersMismatch => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.MeterNotFound or ErrorCode.IndiciumNotFound => StatusCodes.Status404NotFound,
        ErrorCode.WrongMeterState or ErrorCode.IndiciumKeyExpired or ErrorCode.MeterInhibited or ErrorCode.MeterWithdrawn or ErrorCode.IndiciumAlreadyRefunded
            or ErrorCode.PackageTampered or ErrorCode.PackageMeterMismatch or ErrorCode.CheckpointMismatch or ErrorCode.LogCannotBridge
            => StatusCodes.Status409Conflict,
        ErrorCode.IdempotencyKeyReused => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.PurchaseNotAuthorized or ErrorCode.PurchaseAmountMismatch => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.PurchaseAlreadyUsed or ErrorCode.RequestAlreadyAnswered => StatusCodes.Status409Conflict,
        ErrorCode.AccountLocked => StatusCodes.Status403Forbidden,
        ErrorCode.PurchaseNotFound => StatusCodes.Status404NotFound,
        ErrorCode.AmountNotWholeCents => StatusCodes.Status400BadRequest,
        ErrorCode.MeterLicencePending or ErrorCode.MeterLicenceRejected => StatusCodes.Status403Forbidden,
        ErrorCode.ProviderDayNotClosed or ErrorCode.ProviderFileMalformed => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.UnknownProviderService or ErrorCode.InvalidTaxId => StatusCodes.Status400BadRequest,
        ErrorCode.ReconciliationNotFound => StatusCodes.Status404NotFound,
        ErrorCode.CardSettlementDayTooRecent => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.CardSettlementNotPosted => StatusCodes.Status409Conflict,
        ErrorCode.ShardMapInvalid or ErrorCode.ShardMapConnectionUnknown => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.ShardMapVersionNotNewer or ErrorCode.ShardMapBucketsChanged or ErrorCode.ShardMapBucketNotEmpty => StatusCodes.Status409Conflict,
        ErrorCode.ShardBucketMoving or ErrorCode.ShardMoveFailed => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.ShardMoveInvalid => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.ShardMoveInProgress => StatusCodes.Status409Conflict,
        ErrorCode.SystemStopped or ErrorCode.MeterPoolEmpty => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.ShardUnavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCode.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCode.NotFound or ErrorCode.ModuleNotRegistered => StatusCodes.Status404NotFound,
        ErrorCode.ModuleAlreadyRegistered or ErrorCode.ModuleRetired or ErrorCode.ModuleTransactionOutOfOrder => StatusCodes.Status409Conflict,
        ErrorCode.MalformedRequest or ErrorCode.RegistrationRejected or ErrorCode.PasswordRejected or ErrorCode.InvalidEmail
            or ErrorCode.InvalidWebhookUrl or ErrorCode.WebhookDestinationRefused or ErrorCode.LogProofSizesInvalid => StatusCodes.Status400BadRequest,
        ErrorCode.InvalidWeight or ErrorCode.InvalidDimensions or ErrorCode.UnknownMailClass or ErrorCode.UnknownExtraService
            or ErrorCode.InvalidDeclaredValue => StatusCodes.Status400BadRequest,
        ErrorCode.UnknownZip or ErrorCode.ClassDoesNotTakeShipment or ErrorCode.ExtraServiceNotAvailable
            or ErrorCode.NoRateTableInEffect or ErrorCode.PostageBelowRate or ErrorCode.ShipmentZipMismatch => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.AddressIncomplete or ErrorCode.AddressLineTooLong or ErrorCode.UnknownState => StatusCodes.Status400BadRequest,
        ErrorCode.AddressNotMatched => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.NothingToManifest or ErrorCode.TrackingNumberUnknown or ErrorCode.PackageRefunded or ErrorCode.PackageAlreadyManifested
            or ErrorCode.ScanFormLimitReached => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.InvalidMailingDate => StatusCodes.Status400BadRequest,
        ErrorCode.ScanFormNotFound => StatusCodes.Status404NotFound,
        ErrorCode.RequestTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCode.ClientUpgradeRequired => StatusCodes.Status426UpgradeRequired,
        ErrorCode.UnknownPrinter => StatusCodes.Status404NotFound,
        ErrorCode.CalibrationOutOfRange or ErrorCode.PrinterDpiOutOfRange or ErrorCode.PrinterShiftOutOfRange
            or ErrorCode.InvalidPrinterProfile => StatusCodes.Status400BadRequest,
        ErrorCode.PrinterDoesNotTake => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.PrinterTableFull or ErrorCode.TooManyPrinterCalibrations => StatusCodes.Status409Conflict,
        ErrorCode.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorCode.RateLimited or ErrorCode.TooManyLoginAttempts => StatusCodes.Status429TooManyRequests,
        ErrorCode.WrongPassword or ErrorCode.RequestMacInvalid or ErrorCode.SessionUnknown or ErrorCode.SessionExpired
            or ErrorCode.WrongCredentials or ErrorCode.PartnerSignatureInvalid or ErrorCode.RequestTimestampStale
            or ErrorCode.RequestReplayed => StatusCodes.Status401Unauthorized,
        ErrorCode.PartnerNotLinked => StatusCodes.Status403Forbidden,
        ErrorCode.PartnerNotFound or ErrorCode.LogCheckpointNotFound => StatusCodes.Status404NotFound,
        ErrorCode.IdempotencyKeyInUse or ErrorCode.RegistrationNotStarted or ErrorCode.RegistrationExpired or ErrorCode.ChallengeReplayed
            or ErrorCode.ChallengeUnknown or ErrorCode.MeterNotRegistered or ErrorCode.EmailTaken
            or ErrorCode.PartnerAlreadyExists => StatusCodes.Status409Conflict,
        ErrorCode.CareAmountInvalid or ErrorCode.CareReasonInvalid or ErrorCode.LedgerQueryInvalid or ErrorCode.LockKindUnknown => StatusCodes.Status400BadRequest,
        ErrorCode.LockNotFound => StatusCodes.Status404NotFound,
        ErrorCode.LedgerEntryUnbalanced => StatusCodes.Status500InternalServerError,
        ErrorCode.UnknownPlan or ErrorCode.InvalidBillingMonth => StatusCodes.Status400BadRequest,
        ErrorCode.InvoiceNotFound => StatusCodes.Status404NotFound,
        ErrorCode.NoPaymentMethod => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.InvoiceCollectionFailed => StatusCodes.Status402PaymentRequired,
        ErrorCode.FeesNotCaughtUp => StatusCodes.Status503ServiceUnavailable,
        // Payment methods and the payment provider.
        ErrorCode.PaymentDeclined or ErrorCode.PaymentInsufficientFunds => StatusCodes.Status402PaymentRequired,
        ErrorCode.PaymentProviderUnavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.PaymentProviderRefused => StatusCodes.Status502BadGateway,
        ErrorCode.InvalidPaymentToken or ErrorCode.InvalidRoutingNumber or ErrorCode.InvalidAccountNumber or ErrorCode.AchAuthorizationRequired
            or ErrorCode.InvalidAccountHolderName => StatusCodes.Status400BadRequest,
        ErrorCode.PaymentMethodNotFound => StatusCodes.Status404NotFound,
        ErrorCode.TooManyPaymentMethods => StatusCodes.Status409Conflict,
        ErrorCode.AchAmountNotWholeCents or ErrorCode.AchFileDateInvalid or ErrorCode.AchReturnFileMalformed => StatusCodes.Status400BadRequest,
        ErrorCode.AchEntryInvalid or ErrorCode.AchBankAccountUnavailable or ErrorCode.AchPaymentMethodNotCard => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.AchDebitConflict or ErrorCode.AchDebitNotReturned => StatusCodes.Status409Conflict,
        ErrorCode.AchTraceUnknown => StatusCodes.Status404NotFound,
        ErrorCode.AchReturnPaymentFailed => StatusCodes.Status402PaymentRequired,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ProblemDetails Create(int status, ErrorCode code, string detail, string? instance = null) => new()
    {
        Type = $"https://vbi.example/problems/{code}",
        Title = code.ToString(),
        Status = status,
        Detail = detail,
        Instance = instance,
        Extensions = { ["code"] = code.ToString() },
    };

    public static IResult Result(ErrorCode code, string detail) =>
        Results.Problem(Create(StatusFor(code), code, detail));

    public static IResult Result(DomainError error) => Result(error.Code, error.Message);

    public static Task Write(HttpContext context, int status, ErrorCode code, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Create(status, code, detail, context.Request.Path), (System.Text.Json.JsonSerializerOptions?)null, ContentType);
    }
}
