namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// A customer's payment methods (key: the customer id, <c>commerce</c> store; docs/commerce.md, "Payment methods and
/// the payment provider"): the customer's record at the payment provider (made once), cards made from provider
/// tokens, and US bank accounts for ACH debits whose account number is kept only encrypted under a data key the HSM
/// wraps. Only the last four digits of a card or an account number are ever shown. Every add is idempotent by its
/// request key: the same request again answers the same method.
/// </summary>
public interface IPaymentMethodsGrain : IGrainWithStringKey
{
    /// <summary>Makes a card source at the payment provider from the client's token and keeps it (the first method becomes the default).</summary>
    Task<PaymentMethodResult> AddCard(string token, string requestKey);

    /// <summary>Keeps a US bank account for ACH debits, with the customer's debit authorization.</summary>
    Task<PaymentMethodResult> AddBankAccount(BankAccountInput bankAccount, string requestKey);

    /// <summary>The methods in use, oldest first.</summary>
    Task<IReadOnlyList<PaymentMethodView>> List();

    /// <summary>The method in use with this id, or null (unknown or removed): what a purchase may be paid with.</summary>
    Task<PaymentMethodView?> Find(string methodId);

    /// <summary>The default method, or null when the customer has none.</summary>
    Task<PaymentMethodView?> Default();

    Task<PaymentMethodResult> SetDefault(string methodId);

    /// <summary>Stops using a method (idempotent). A removed bank account's record and authorization are kept for the debits made under it.</summary>
    Task<PaymentMethodResult> Remove(string methodId);

    /// <summary>
    /// The routing and account number of a bank account in clear, for the NACHA file writer only (docs/commerce.md):
    /// the one place the account number is decrypted. Answers removed accounts too, for debits authorized before the
    /// removal. Never shown to a customer, a partner or an operator, never logged.
    /// </summary>
    Task<BankAccountDetails?> RevealBankAccount(string methodId);
}

public enum BankAccountType
{
    Checking = 1,
    Savings = 2,
}

/// <summary>A payment method as shown: never a card number or a full account number.</summary>
[GenerateSerializer, Immutable]
public sealed record PaymentMethodView(
    [property: Id(0)] string Id,
    [property: Id(1)] PaymentMethodKind Kind,
    /// <summary>A card's brand (<c>Visa</c>, <c>MasterCard</c>).</summary>
    [property: Id(2)] string? Brand,
    /// <summary>A bank account's bank, when known.</summary>
    [property: Id(3)] string? BankName,
    [property: Id(4)] string Last4,
    [property: Id(5)] bool IsDefault,
    [property: Id(6)] DateTimeOffset AddedAt,
    /// <summary>A card's customer at the payment provider (what a charge is made on).</summary>
    [property: Id(7)] string? ProviderCustomerId,
    /// <summary>A card's source at the payment provider.</summary>
    [property: Id(8)] string? SourceId,
    [property: Id(9)] int? ExpMonth,
    [property: Id(10)] int? ExpYear,
    [property: Id(11)] BankAccountType? AccountType,
    [property: Id(12)] string? HolderName,
    /// <summary>The payment provider that holds a card (<c>stripe</c>, <c>test-mode</c>).</summary>
    [property: Id(13)] string? Provider);

/// <summary>The customer's acceptance of the ACH debit authorization, as the endpoint received it.</summary>
[GenerateSerializer, Immutable]
public sealed record AchAuthorizationAcceptance(
    [property: Id(0)] bool Accepted,
    /// <summary>The version of the authorization text the customer was shown and accepted.</summary>
    [property: Id(1)] string? TextVersion,
    /// <summary>The client's network address as the server saw it.</summary>
    [property: Id(2)] string IpAddress,
    /// <summary>Which credential accepted: <c>customer</c>, or <c>partner:{id}</c> acting for the customer.</summary>
    [property: Id(3)] string Credential);

[GenerateSerializer, Immutable]
public sealed record BankAccountInput(
    [property: Id(0)] string RoutingNumber,
    [property: Id(1)] string AccountNumber,
    [property: Id(2)] BankAccountType AccountType,
    [property: Id(3)] string HolderName,
    [property: Id(4)] AchAuthorizationAcceptance Authorization)
{
    /// <summary>The account number never reaches a log through this record's text.</summary>
    public override string ToString() => $"BankAccountInput {{ RoutingNumber = {RoutingNumber}, AccountNumber = …{(AccountNumber.Length >= 4 ? AccountNumber[^4..] : "")}, AccountType = {AccountType} }}";
}

/// <summary>The record of an ACH debit authorization: what text, when, from where, by which credential.</summary>
[GenerateSerializer, Immutable]
public sealed record AchAuthorizationRecord(
    [property: Id(0)] string TextVersion,
    /// <summary>SHA-256 of the exact authorization text accepted, hex.</summary>
    [property: Id(1)] string TextSha256,
    [property: Id(2)] DateTimeOffset AcceptedAt,
    [property: Id(3)] string IpAddress,
    [property: Id(4)] string Credential);

/// <summary>A bank account in clear, for the NACHA file writer only (<see cref="IPaymentMethodsGrain.RevealBankAccount"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record BankAccountDetails(
    [property: Id(0)] string MethodId,
    [property: Id(1)] string RoutingNumber,
    [property: Id(2)] string AccountNumber,
    [property: Id(3)] BankAccountType AccountType,
    [property: Id(4)] string HolderName,
    [property: Id(5)] AchAuthorizationRecord Authorization,
    [property: Id(6)] DateTimeOffset? RemovedAt)
{
    public override string ToString() => $"BankAccountDetails {{ MethodId = {MethodId}, AccountNumber = …{AccountNumber[^4..]} }}";
}

[GenerateSerializer, Immutable]
public sealed record PaymentMethodResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] PaymentMethodView? Method,
    /// <summary>The provider's decline code when a card was declined (<c>generic_decline</c>, <c>expired_card</c>).</summary>
    [property: Id(3)] string? DeclineCode = null,
    /// <summary>True when the request key had already made this method: a replay.</summary>
    [property: Id(4)] bool Replayed = false)
{
    public bool IsSuccess => Error == ErrorCode.None;

    public static PaymentMethodResult Fail(ErrorCode error, string message, string? declineCode = null) => new(error, message, null, declineCode);
}
