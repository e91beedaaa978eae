namespace VbiOrleans.Domain.Errors;

/// <summary>
/// Every failure the system reports has a name. The name is the stable <c>code</c> of an API problem document,
/// so existing members are never renamed or renumbered; new ones are added at the end.
/// </summary>
public enum ErrorCode
{
    None = 0,
    ValidationFailed = 1,
    NotFound = 2,
    Unauthenticated = 3,
    Forbidden = 4,
    Internal = 5,

    // module table
    InvalidModuleSerial = 100,
    ModuleAlreadyRegistered = 101,
    ModuleNotRegistered = 102,
    ModuleRetired = 103,
    ModuleTransactionOutOfOrder = 104,
    InvalidAmount = 105,

    // meters and the PSD
    InvalidMeterId = 200,
    MeterNotFound = 201,
    WrongMeterState = 202,
    MeterInhibited = 203,
    MeterWithdrawn = 204,
    InsufficientFunds = 205,
    PvdLimitExceeded = 206,
    DescendingRegisterCeilingExceeded = 207,
    InvalidZip = 208,
    RegistersMismatch = 209,
    IdempotencyKeyReused = 210,
    IndiciumNotFound = 211,
    IndiciumAlreadyRefunded = 212,
    RefundWindowExpired = 213,
    PostageLimitExceeded = 214,
    PackageTampered = 215,
    PackageMeterMismatch = 216,
    CheckpointMismatch = 217,
    SystemStopped = 218,
    MeterPoolEmpty = 219,
    IndiciumKeyExpired = 220,
    /// <summary>The postal store is behind module memory and the log holds the rest: the meter rolls forward and retries.</summary>
    PostalStoreBehind = 221,
    /// <summary>
    /// A retried idempotency key's command ran, but its result could not be read back from the transaction log, which
    /// keeps the results of all but the newest keys. The command is not run again.
    /// </summary>
    IdempotencyResultUnavailable = 222,
    /// <summary>
    /// Recovery from the transaction log is refused: the log's last transaction of the meter is not one module memory
    /// vouches for, or the log misses transactions the row needs. Nothing was changed.
    /// </summary>
    LogCannotBridge = 223,

    // labels
    LabelRenderingFailed = 300,

    // the HTTP API: bodies, limits, idempotency (docs/api.md)
    MalformedRequest = 400,
    RequestTooLarge = 401,
    UnsupportedMediaType = 402,
    RateLimited = 403,
    IdempotencyKeyInUse = 404,

    // the client protocol (docs/client-protocol.md): registration, login, signed requests
    RegistrationNotStarted = 420,
    RegistrationExpired = 421,
    RegistrationRejected = 422,
    PasswordRejected = 423,
    WrongPassword = 424,
    TooManyLoginAttempts = 425,
    RequestMacInvalid = 426,
    SessionUnknown = 427,
    SessionExpired = 428,
    ChallengeReplayed = 429,
    ChallengeUnknown = 430,
    MeterNotRegistered = 431,

    // customers and partners
    InvalidEmail = 500,
    EmailTaken = 501,
    WrongCredentials = 502,
    PartnerNotFound = 503,
    PartnerAlreadyExists = 504,
    PartnerNotLinked = 505,
    PartnerSignatureInvalid = 506,
    RequestTimestampStale = 507,
    RequestReplayed = 508,
    InvalidWebhookUrl = 509,
    /// <summary>
    /// A webhook URL whose host is loopback, private, link-local or otherwise inside a network rather than on the
    /// internet, and not one an operator allowed (Vbi:Webhooks:AllowedHosts).
    /// </summary>
    WebhookDestinationRefused = 510,

    // the transaction log (docs/transaction-log.md)
    /// <summary>A consistency proof asked for between sizes that are not 0 &lt;= from &lt;= to.</summary>
    LogProofSizesInvalid = 600,
    /// <summary>A tree size the log signed no checkpoint for.</summary>
    LogCheckpointNotFound = 601,

    // rates (docs/rates.md)
    /// <summary>A well-formed ZIP that is not in the ZIP data set.</summary>
    UnknownZip = 700,
    /// <summary>A weight that is not a positive number of ounces with at most one decimal, or over 70 lb.</summary>
    InvalidWeight = 701,
    /// <summary>Dimensions that are not LxWxH in inches, positive, within the largest size any class takes.</summary>
    InvalidDimensions = 702,
    UnknownMailClass = 703,
    /// <summary>The class does not take this shipment: too heavy, too large or the wrong shape for it.</summary>
    ClassDoesNotTakeShipment = 704,
    UnknownExtraService = 705,
    /// <summary>An extra service the class does not offer.</summary>
    ExtraServiceNotAvailable = 706,
    /// <summary>A declared value that is missing for insurance, given without insurance, or over the maximum.</summary>
    InvalidDeclaredValue = 707,
    /// <summary>No price table is in effect on the date asked for.</summary>
    NoRateTableInEffect = 708,
    /// <summary>A print's postage is below the rate for the shipment it declares (422; nothing is charged).</summary>
    PostageBelowRate = 709,
    /// <summary>A print's destination ZIP is not its shipment's recipient ZIP.</summary>
    ShipmentZipMismatch = 710,

    // address matching (docs/addresses.md)
    /// <summary>The address is well formed but no candidate matches it (city, state and ZIP agree with nothing known).</summary>
    AddressNotMatched = 650,
    /// <summary>No delivery address line, or neither a city and state nor a ZIP to match against.</summary>
    AddressIncomplete = 651,
    /// <summary>The free-text line or a field is longer than its bound.</summary>
    AddressLineTooLong = 652,
    /// <summary>The state is not a two-letter abbreviation or name of a state, territory or armed forces area.</summary>
    UnknownState = 653,

    // client versions (docs/api.md, Client versions)
    /// <summary>The request's Vbi-Client header names a client version below the minimum the server accepts (426).</summary>
    ClientUpgradeRequired = 800,

    // printers: the printer table, calibration, test prints (docs/api.md, Printers)
    /// <summary>A printer id that is not in the printer table, or one that was retired (404).</summary>
    UnknownPrinter = 900,
    /// <summary>A customer's calibration offset more than 125 mils (0.125 in.) either way.</summary>
    CalibrationOutOfRange = 901,
    /// <summary>A printer's resolution outside 150 to 1200 dpi.</summary>
    PrinterDpiOutOfRange = 902,
    /// <summary>A printer's calibration shift more than 0.125 in. either way.</summary>
    PrinterShiftOutOfRange = 903,
    /// <summary>A printer whose id, name, formats, layouts or media description is missing or malformed.</summary>
    InvalidPrinterProfile = 904,
    /// <summary>The printer table holds its bound of printers (409): change or retire one instead.</summary>
    PrinterTableFull = 905,
    /// <summary>The printer does not print the format, or does not take the layout, asked for (422).</summary>
    PrinterDoesNotTake = 906,
    /// <summary>The account keeps calibration offsets for its bound of printers (409): reset one to 0, 0 to drop it.</summary>
    TooManyPrinterCalibrations = 907,
    // SCAN forms (docs/api.md, SCAN forms)
    /// <summary>No print of the day (or of the selection) is left to list: each is refunded or already on a form (422).</summary>
    NothingToManifest = 850,
    /// <summary>A selected tracking number is not one of the account's prints of that day on the meters asked for (422).</summary>
    TrackingNumberUnknown = 851,
    /// <summary>A selected tracking number's print was refunded: it is not tendered, so no form lists it (422).</summary>
    PackageRefunded = 852,
    /// <summary>A selected tracking number is on a SCAN form already; a package is on at most one (422).</summary>
    PackageAlreadyManifested = 853,
    /// <summary>The mailing date is not a date (YYYY-MM-DD), is in the future, or is further back than forms are made for (400).</summary>
    InvalidMailingDate = 854,
    /// <summary>The account has no SCAN form with that number (404).</summary>
    ScanFormNotFound = 855,
    /// <summary>The account made as many SCAN forms for that mailing date as one day allows (422).</summary>
    ScanFormLimitReached = 856,
    // Payments (merge: c20-pay's definitions win)
    PaymentDeclined = 1000,
    PaymentInsufficientFunds = 1001,
    PaymentProviderUnavailable = 1002,
    PaymentMethodNotFound = 1003,
    // Purchases (docs/commerce.md, Buying postage)
    /// <summary>A PVD names no authorized purchase of this meter: none was made, it was released, or it is another meter's (422).</summary>
    PurchaseNotAuthorized = 1020,
    /// <summary>The purchase was used by another PVD request; one purchase pays for one PVD (409).</summary>
    PurchaseAlreadyUsed = 1021,
    /// <summary>The PVD's amount is not the purchase's amount (422).</summary>
    PurchaseAmountMismatch = 1022,
    /// <summary>The account is locked for new postage (a returned ACH debit, an unpaid invoice, customer care) until paid (403).</summary>
    AccountLocked = 1023,
    /// <summary>The account has no purchase with that id (404).</summary>
    PurchaseNotFound = 1024,
    /// <summary>A card payment is in whole cents (400).</summary>
    AmountNotWholeCents = 1025,
    // Provider files and licences (docs/provider-files.md)
    /// <summary>The meter's licence application is not answered yet by the postal authority: no PVD and no print until it is approved (403).</summary>
    MeterLicencePending = 1100,
    /// <summary>The postal authority rejected the meter's licence application; the message gives its reason. No PVD and no print (403).</summary>
    MeterLicenceRejected = 1101,
    /// <summary>The business day asked for has not closed yet (it closes Vbi:Provider:ClosingDelay after midnight UTC), or is in the future (422).</summary>
    ProviderDayNotClosed = 1102,
    /// <summary>No provider service has that name (licensing, resetting, remittance) or it does not run on this system (400).</summary>
    UnknownProviderService = 1103,
    /// <summary>A tax id is 9 digits: an EIN (12-3456789) or an SSN (123-45-6789) (400).</summary>
    InvalidTaxId = 1104,
    /// <summary>A provider file or an answer file does not follow its documented layout (422).</summary>
    ProviderFileMalformed = 1105,
}

/// <summary>A failure with its name and a sentence for a person.</summary>
public sealed record DomainError(ErrorCode Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}
