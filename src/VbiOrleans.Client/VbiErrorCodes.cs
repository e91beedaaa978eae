namespace VbiOrleans.Client;

/// <summary>
/// Error codes a caller may see in <see cref="VbiApiException.Code"/>. The server's codes are the names of its
/// <c>ErrorCode</c> values; new ones may appear, so treat unknown codes as a refusal of that status.
/// </summary>
public static class VbiErrorCodes
{
    // Client side: no usable response.
    /// <summary>The server could not be reached (connection refused, DNS, TLS).</summary>
    public const string Unreachable = "Unreachable";
    /// <summary>The server did not answer within <see cref="VbiClientOptions.Timeout"/>.</summary>
    public const string Timeout = "Timeout";
    /// <summary>A successful response whose body could not be read as the expected JSON.</summary>
    public const string InvalidResponse = "InvalidResponse";
    /// <summary>The module's answer does not verify under the HMK (or the pinned module key): not from the module, or altered.</summary>
    public const string ResponseNotAuthentic = "ResponseNotAuthentic";

    // Server side.
    public const string ValidationFailed = "ValidationFailed";
    public const string InvalidModuleSerial = "InvalidModuleSerial";
    public const string InvalidAmount = "InvalidAmount";
    public const string Unauthenticated = "Unauthenticated";
    public const string Forbidden = "Forbidden";
    public const string NotFound = "NotFound";
    public const string ModuleNotRegistered = "ModuleNotRegistered";
    public const string ModuleAlreadyRegistered = "ModuleAlreadyRegistered";
    public const string ModuleRetired = "ModuleRetired";
    public const string ModuleTransactionOutOfOrder = "ModuleTransactionOutOfOrder";
    public const string Internal = "Internal";

    // Customers, meters and the client protocol.
    public const string InvalidZip = "InvalidZip";
    public const string InvalidMeterId = "InvalidMeterId";
    public const string MeterNotFound = "MeterNotFound";
    public const string InsufficientFunds = "InsufficientFunds";
    public const string RegistersMismatch = "RegistersMismatch";
    public const string IdempotencyKeyReused = "IdempotencyKeyReused";
    public const string IdempotencyKeyInUse = "IdempotencyKeyInUse";
    public const string MalformedRequest = "MalformedRequest";
    public const string RequestTooLarge = "RequestTooLarge";
    public const string RateLimited = "RateLimited";
    public const string PasswordRejected = "PasswordRejected";
    public const string WrongPassword = "WrongPassword";
    public const string TooManyLoginAttempts = "TooManyLoginAttempts";
    public const string RequestMacInvalid = "RequestMacInvalid";
    public const string SessionUnknown = "SessionUnknown";
    public const string SessionExpired = "SessionExpired";
    public const string ChallengeReplayed = "ChallengeReplayed";
    public const string ChallengeUnknown = "ChallengeUnknown";
    public const string EmailTaken = "EmailTaken";
    public const string WrongCredentials = "WrongCredentials";
    public const string PartnerNotLinked = "PartnerNotLinked";
    public const string RequestReplayed = "RequestReplayed";

    // Rates (docs/rates.md).
    public const string UnknownZip = "UnknownZip";
    public const string InvalidWeight = "InvalidWeight";
    public const string InvalidDimensions = "InvalidDimensions";
    public const string UnknownMailClass = "UnknownMailClass";
    public const string ClassDoesNotTakeShipment = "ClassDoesNotTakeShipment";
    public const string UnknownExtraService = "UnknownExtraService";
    public const string ExtraServiceNotAvailable = "ExtraServiceNotAvailable";
    public const string InvalidDeclaredValue = "InvalidDeclaredValue";
    public const string NoRateTableInEffect = "NoRateTableInEffect";
    /// <summary>A print's postage is below the rate for its shipment (422); the problem's <c>rateMills</c> is the rate. Nothing was charged.</summary>
    public const string PostageBelowRate = "PostageBelowRate";
    /// <summary>A print's destination ZIP is not its shipment's recipient ZIP (422).</summary>
    public const string ShipmentZipMismatch = "ShipmentZipMismatch";

    // Address matching.
    /// <summary>The address is well formed but matches nothing (422).</summary>
    public const string AddressNotMatched = "AddressNotMatched";
    /// <summary>No delivery address line, or neither a city and state nor a ZIP (400).</summary>
    public const string AddressIncomplete = "AddressIncomplete";
    /// <summary>The line or a field is longer than its bound (400).</summary>
    public const string AddressLineTooLong = "AddressLineTooLong";
    /// <summary>The state is not a known two-letter abbreviation or name (400).</summary>
    public const string UnknownState = "UnknownState";

    // Client versions.
    /// <summary>
    /// This SDK or CLI is below the minimum version the server accepts (426); the problem's <c>minimum</c> and
    /// <c>latest</c> members name the versions to install. Nothing was done.
    /// </summary>
    public const string ClientUpgradeRequired = "ClientUpgradeRequired";

    // Printers.
    /// <summary>A printer id that is not in the printer table, or was retired (404).</summary>
    public const string UnknownPrinter = "UnknownPrinter";
    /// <summary>A calibration offset more than 125 mils (0.125 in.) either way (400).</summary>
    public const string CalibrationOutOfRange = "CalibrationOutOfRange";
    /// <summary>An operator's printer with a resolution outside 150 to 1200 dpi (400).</summary>
    public const string PrinterDpiOutOfRange = "PrinterDpiOutOfRange";
    /// <summary>An operator's printer with a calibration shift over 0.125 in. (400).</summary>
    public const string PrinterShiftOutOfRange = "PrinterShiftOutOfRange";
    /// <summary>An operator's printer whose id, name, formats, layouts or media are missing or malformed (400).</summary>
    public const string InvalidPrinterProfile = "InvalidPrinterProfile";
    /// <summary>The printer table is at its bound (409).</summary>
    public const string PrinterTableFull = "PrinterTableFull";
    /// <summary>The printer does not print the format or take the layout asked for (422).</summary>
    public const string PrinterDoesNotTake = "PrinterDoesNotTake";
    /// <summary>The account keeps offsets for its bound of printers (409).</summary>
    public const string TooManyPrinterCalibrations = "TooManyPrinterCalibrations";
    // SCAN forms.
    /// <summary>Nothing of the day (or the selection) is left to list: every print is refunded or on a form already (422).</summary>
    public const string NothingToManifest = "NothingToManifest";
    /// <summary>A selected tracking number is not one of the account's prints of that day (422; <c>trackingNumber</c> names it).</summary>
    public const string TrackingNumberUnknown = "TrackingNumberUnknown";
    /// <summary>A selected tracking number's print was refunded (422; <c>trackingNumber</c> names it).</summary>
    public const string PackageRefunded = "PackageRefunded";
    /// <summary>A selected tracking number is on a SCAN form already (422; <c>trackingNumber</c> names it, the detail the form).</summary>
    public const string PackageAlreadyManifested = "PackageAlreadyManifested";
    /// <summary>The mailing date is malformed, in the future, or too far back (400).</summary>
    public const string InvalidMailingDate = "InvalidMailingDate";
    /// <summary>No SCAN form with that number in the account (404).</summary>
    public const string ScanFormNotFound = "ScanFormNotFound";
    /// <summary>The account made as many SCAN forms for that date as one day allows (422).</summary>
    public const string ScanFormLimitReached = "ScanFormLimitReached";
    // Purchases.
    /// <summary>The PVD names no authorized purchase of this meter (none, released, or another meter's) (422).</summary>
    public const string PurchaseNotAuthorized = "PurchaseNotAuthorized";
    /// <summary>The purchase paid for another PVD already (409).</summary>
    public const string PurchaseAlreadyUsed = "PurchaseAlreadyUsed";
    /// <summary>The PVD's amount is not the purchase's (422).</summary>
    public const string PurchaseAmountMismatch = "PurchaseAmountMismatch";
    /// <summary>The account is locked for new postage until what it owes is paid (403).</summary>
    public const string AccountLocked = "AccountLocked";
    /// <summary>No purchase with that id in the account (404).</summary>
    public const string PurchaseNotFound = "PurchaseNotFound";
    /// <summary>A card payment is in whole cents (400).</summary>
    public const string AmountNotWholeCents = "AmountNotWholeCents";
    // Plans and invoices.
    /// <summary>No plan in the catalogue has that id (400).</summary>
    public const string UnknownPlan = "UnknownPlan";
    /// <summary>The month is not YYYY-MM or has not ended (400).</summary>
    public const string InvalidBillingMonth = "InvalidBillingMonth";
    /// <summary>No invoice with that number in the account (404).</summary>
    public const string InvoiceNotFound = "InvoiceNotFound";
    // Payment methods and the payment provider.
    /// <summary>The card was declined (402; <c>declineCode</c> says why when the provider told).</summary>
    public const string PaymentDeclined = "PaymentDeclined";
    /// <summary>The card was declined for insufficient funds (402).</summary>
    public const string PaymentInsufficientFunds = "PaymentInsufficientFunds";
    /// <summary>The payment provider did not answer (503): retry with the same idempotency key.</summary>
    public const string PaymentProviderUnavailable = "PaymentProviderUnavailable";
    /// <summary>The provider refused the card token (400).</summary>
    public const string InvalidPaymentToken = "InvalidPaymentToken";
    /// <summary>The routing number's ABA check digit or prefix is wrong (400).</summary>
    public const string InvalidRoutingNumber = "InvalidRoutingNumber";
    /// <summary>The account number is not 4 to 17 digits (400).</summary>
    public const string InvalidAccountNumber = "InvalidAccountNumber";
    /// <summary>The holder name is not 1 to 22 letters, digits, spaces or . , ' - &amp; (400).</summary>
    public const string InvalidAccountHolderName = "InvalidAccountHolderName";
    /// <summary>A bank account needs the current ACH debit authorization accepted (400).</summary>
    public const string AchAuthorizationRequired = "AchAuthorizationRequired";
    /// <summary>No payment method with that id in the account (404).</summary>
    public const string PaymentMethodNotFound = "PaymentMethodNotFound";
    /// <summary>The account holds its bound of payment methods (409).</summary>
    public const string TooManyPaymentMethods = "TooManyPaymentMethods";
    /// <summary>The payment provider refused the request for a reason on our side (502).</summary>
    public const string PaymentProviderRefused = "PaymentProviderRefused";
    // ACH debits: paying a returned debit.
    /// <summary>No debit of the account has this trace number (404).</summary>
    public const string AchTraceUnknown = "AchTraceUnknown";
    /// <summary>The debit is not returned, or its return is paid already (409).</summary>
    public const string AchDebitNotReturned = "AchDebitNotReturned";
    /// <summary>The payment method chosen to pay a returned debit is not one of the account's cards (422).</summary>
    public const string AchPaymentMethodNotCard = "AchPaymentMethodNotCard";
    /// <summary>The card charge paying a returned debit was declined or failed (402); the account stays locked.</summary>
    public const string AchReturnPaymentFailed = "AchReturnPaymentFailed";
    // Provider files and licences.
    /// <summary>The meter's licence awaits the postal authority's answer: no PVD or print until it is approved (403).</summary>
    public const string MeterLicencePending = "MeterLicencePending";
    /// <summary>The postal authority rejected the meter's licence; the detail gives its reason (403).</summary>
    public const string MeterLicenceRejected = "MeterLicenceRejected";
    /// <summary>The business day is not closed yet, or in the future (422).</summary>
    public const string ProviderDayNotClosed = "ProviderDayNotClosed";
    /// <summary>No provider service of that name runs (400).</summary>
    public const string UnknownProviderService = "UnknownProviderService";
    /// <summary>A tax id is an EIN (12-3456789) or an SSN (123-45-6789) (400).</summary>
    public const string InvalidTaxId = "InvalidTaxId";
    /// <summary>A provider or answer file does not follow its layout (422).</summary>
    public const string ProviderFileMalformed = "ProviderFileMalformed";
    /// <summary>The business day has no reconciliation yet: its provider files are not all verified (404).</summary>
    public const string ReconciliationNotFound = "ReconciliationNotFound";
    /// <summary>A card settlement of a day the processor has not paid out yet (422).</summary>
    public const string CardSettlementDayTooRecent = "CardSettlementDayTooRecent";
    /// <summary>The ledger refused a day's card settlement entry (409).</summary>
    public const string CardSettlementNotPosted = "CardSettlementNotPosted";
    /// <summary>The shard map is malformed or breaks a rule; the detail names it (422).</summary>
    public const string ShardMapInvalid = "ShardMapInvalid";
    /// <summary>The shard map's version is not above the current one's (409).</summary>
    public const string ShardMapVersionNotNewer = "ShardMapVersionNotNewer";
    /// <summary>The shard map changes the number of buckets, which is fixed (409).</summary>
    public const string ShardMapBucketsChanged = "ShardMapBucketsChanged";
    /// <summary>A shard map database names a connection string the host does not hold, or one on another server (422).</summary>
    public const string ShardMapConnectionUnknown = "ShardMapConnectionUnknown";
    /// <summary>The shard map would move a bucket whose database holds meters of it; moves are not built (409).</summary>
    public const string ShardMapBucketNotEmpty = "ShardMapBucketNotEmpty";
    /// <summary>The database of the meter's bucket does not answer; nothing was acknowledged: retry with the same idempotency key later (503).</summary>
    public const string ShardUnavailable = "ShardUnavailable";
    /// <summary>The meter's bucket is moving to another database and did not finish within the bounded wait; retry (503).</summary>
    public const string ShardBucketMoving = "ShardBucketMoving";
    /// <summary>A shard move or database addition is malformed or names what the map does not hold (422).</summary>
    public const string ShardMoveInvalid = "ShardMoveInvalid";
    /// <summary>Another shard move is open; resume it first (409).</summary>
    public const string ShardMoveInProgress = "ShardMoveInProgress";
    /// <summary>A shard move could not finish; it stays open to resume, or was rolled back (503).</summary>
    public const string ShardMoveFailed = "ShardMoveFailed";
    /// <summary>An exact retry of a request the module answered before (internal: a client gets the stored answer) (409).</summary>
    public const string RequestAlreadyAnswered = "RequestAlreadyAnswered";

    /// <summary>Codes that mean "log in again" (a customer token or a meter session is missing, expired or refused).</summary>
    public static bool NeedsLogin(string code) =>
        code is Unauthenticated or WrongCredentials or WrongPassword or SessionUnknown or SessionExpired;

    /// <summary>The code used when an error response is not a problem document: <c>Http404</c>, <c>Http502</c>, ...</summary>
    public static string ForStatus(int status) => $"Http{status}";
}
