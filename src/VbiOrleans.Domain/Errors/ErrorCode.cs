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

    // the ledger and customer care (docs/commerce.md, "The ledger", "Customer care")
    /// <summary>A credit's or fee refund's amount is not a whole number of mills from 1 to the bound (400).</summary>
    CareAmountInvalid = 1040,
    /// <summary>A customer-care action without a reason, or with one over 500 characters or with control characters (400).</summary>
    CareReasonInvalid = 1041,
    /// <summary>A ledger query's customer, from, to or limit is malformed (400).</summary>
    LedgerQueryInvalid = 1042,
    /// <summary>An unlock names a lock kind that does not exist (400).</summary>
    LockKindUnknown = 1043,
    /// <summary>The account holds no lock of that kind and reference to lift (404).</summary>
    LockNotFound = 1044,
    /// <summary>The ledger refused an entry as unbalanced (I7); nothing was written (500: a bug, never the caller's input).</summary>
    LedgerEntryUnbalanced = 1045,
    // pricing plans and invoices (docs/commerce.md, "Plans, fees and invoices")
    /// <summary>No plan in the catalogue has that id (400).</summary>
    UnknownPlan = 1080,
    /// <summary>A billing month that is not YYYY-MM, or one that has not ended yet (400).</summary>
    InvalidBillingMonth = 1081,
    /// <summary>The account has no invoice with that number (404).</summary>
    InvoiceNotFound = 1082,
    /// <summary>The customer has no default payment method to collect an invoice from (422).</summary>
    NoPaymentMethod = 1083,
    /// <summary>The invoice could not be collected from the payment method on file (402).</summary>
    InvoiceCollectionFailed = 1084,
    /// <summary>Fees of the month are still being posted from the log: the invoice run waited its bound and stopped (503).</summary>
    FeesNotCaughtUp = 1085,
    // Payment methods and the payment provider (docs/commerce.md, "Payment methods and the payment provider")
    /// <summary>The card was declined by its issuer (402); <c>declineCode</c> says why when the provider told.</summary>
    PaymentDeclined = 1000,
    /// <summary>The card was declined for insufficient funds (402).</summary>
    PaymentInsufficientFunds = 1001,
    /// <summary>The payment provider did not answer in time, failed, or asked to slow down (503): retry the request with the same Idempotency-Key.</summary>
    PaymentProviderUnavailable = 1002,
    /// <summary>The account has no payment method in use with that id (404).</summary>
    PaymentMethodNotFound = 1003,
    /// <summary>The routing number is not nine digits with a valid ABA check digit and a routable prefix (400).</summary>
    InvalidRoutingNumber = 1004,
    /// <summary>The bank account number is not 4 to 17 digits (400).</summary>
    InvalidAccountNumber = 1005,
    /// <summary>A bank account is added only with the current ACH debit authorization accepted (400): its text version, accepted true.</summary>
    AchAuthorizationRequired = 1006,
    /// <summary>The payment provider refused the card token: unknown, used, or not a card (400).</summary>
    InvalidPaymentToken = 1007,
    /// <summary>The account holds its bound of payment methods (409): remove one first.</summary>
    TooManyPaymentMethods = 1008,
    /// <summary>The bank account holder name is not 1 to 22 letters, digits, spaces or . , ' - &amp; (400).</summary>
    InvalidAccountHolderName = 1009,
    /// <summary>The payment provider refused the request for a reason that is ours, not the customer's (502): an alert for operators.</summary>
    PaymentProviderRefused = 1010,

    // ACH debits and the NACHA files (docs/commerce.md, ACH debits and the NACHA files)
    /// <summary>An ACH amount that is not whole cents, or not positive (400): ACH moves cents, and we never round money.</summary>
    AchAmountNotWholeCents = 1060,
    /// <summary>A field of an ACH entry or of our originator settings does not fit the NACHA format (a routing number failing its check digit, an account number longer than 17) (422).</summary>
    AchEntryInvalid = 1061,
    /// <summary>A debit for this purchase is queued already with another customer, payment method or amount (409).</summary>
    AchDebitConflict = 1062,
    /// <summary>The file date is not a date (YYYY-MM-DD), or is after today (400).</summary>
    AchFileDateInvalid = 1063,
    /// <summary>The return file is not a NACHA file we can read; the detail names the line (400). Nothing of it is applied.</summary>
    AchReturnFileMalformed = 1064,
    /// <summary>No debit of ours has this trace number (404).</summary>
    AchTraceUnknown = 1065,
    /// <summary>The debit with this trace number is not returned, or its return is paid already (409).</summary>
    AchDebitNotReturned = 1066,
    /// <summary>The payment method is not a bank account of this customer, or its account cannot be read (422).</summary>
    AchBankAccountUnavailable = 1067,
    /// <summary>The payment method chosen to pay a returned debit is not a card of this customer (422).</summary>
    AchPaymentMethodNotCard = 1068,
    /// <summary>The card charge that pays a returned debit was declined or failed at the payment provider (402).</summary>
    AchReturnPaymentFailed = 1069,
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
    // The daily reconciliation (docs/provider-files.md)
    /// <summary>The business day has no reconciliation yet: its provider files are not all verified (404).</summary>
    ReconciliationNotFound = 1120,
    // Card settlement (docs/commerce.md, "Card settlement")
    /// <summary>The day asked for is not paid out by the processor yet (Vbi:CardSettlement:SettlementDays after it ends) (422).</summary>
    CardSettlementDayTooRecent = 1106,
    /// <summary>The ledger refused a day's card settlement entry (its id posted with other postings): an operator decides (409).</summary>
    CardSettlementNotPosted = 1107,
    // The shard map (docs/scaling.md)
    /// <summary>The shard map is malformed or breaks a rule (a bucket unassigned, postal and module shard of a bucket on one server, …); the message names it (422).</summary>
    ShardMapInvalid = 1180,
    /// <summary>The shard map's version is not above the current map's: versions only increase (409).</summary>
    ShardMapVersionNotNewer = 1181,
    /// <summary>The shard map changes the number of buckets: a meter's bucket is fixed for ever (409).</summary>
    ShardMapBucketsChanged = 1182,
    /// <summary>A database of the shard map names a connection string this host's configuration does not hold, or one on another server than the map says (422).</summary>
    ShardMapConnectionUnknown = 1183,
    /// <summary>The shard map moves a bucket to another database while its current database holds meters of it; moving meters is not built (409).</summary>
    ShardMapBucketNotEmpty = 1184,
    // A database of the shard map down (docs/scaling.md)
    /// <summary>The database of the meter's bucket does not answer; nothing was acknowledged: retry with the same idempotency key once it is back (503).</summary>
    ShardUnavailable = 1200,
    /// <summary>The meter's bucket is being moved to another database and the move did not finish within the bounded wait; retry (503).</summary>
    ShardBucketMoving = 1210,
    /// <summary>A shard move or database addition is malformed or names what the current map does not hold; the detail names it (422).</summary>
    ShardMoveInvalid = 1211,
    /// <summary>Another shard move is open: one move at a time; resume it first (409).</summary>
    ShardMoveInProgress = 1212,
    /// <summary>A shard move could not finish (a database did not answer); it stays open to resume, or was rolled back (503).</summary>
    ShardMoveFailed = 1213,
    // The client protocol inside the module (docs/client-protocol.md)
    /// <summary>An exact retry of a signed request the module answered before: its stored answer is sent again and nothing runs. Internal between the grains; a client gets the stored answer (409 if it ever reached HTTP).</summary>
    RequestAlreadyAnswered = 1245,
}

/// <summary>A failure with its name and a sentence for a person.</summary>
public sealed record DomainError(ErrorCode Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}
