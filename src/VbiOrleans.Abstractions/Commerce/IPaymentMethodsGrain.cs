namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// A customer's payment methods (key: the customer id, <c>commerce</c> store). Only the members ACH needs are
/// declared here, as c20-pay's contract has them: the full contract (cards, bank accounts, the authorization record)
/// is c20-pay's, and this file merges into it.
/// </summary>
public interface IPaymentMethodsGrain : IGrainWithStringKey
{
    /// <summary>The method in use with this id, or null (unknown or removed).</summary>
    Task<PaymentMethodView?> Find(string methodId);

    /// <summary>
    /// The bank account behind a payment method, decrypted for the day's NACHA file: routing number, account number,
    /// account type and holder name; null when the method is not one of this customer's bank accounts.
    /// </summary>
    Task<BankAccountDetails?> RevealBankAccount(string methodId);
}

public enum BankAccountType
{
    Checking = 1,
    Savings = 2,
}

/// <summary>A bank account in clear. Its <see cref="ToString"/> shows only the last four digits, so a log line cannot leak it.</summary>
[GenerateSerializer, Immutable]
public sealed record BankAccountDetails(
    [property: Id(0)] string RoutingNumber,
    [property: Id(1)] string AccountNumber,
    [property: Id(2)] BankAccountType AccountType,
    [property: Id(3)] string HolderName)
{
    public override string ToString() =>
        $"BankAccountDetails {{ RoutingNumber = {RoutingNumber}, AccountNumber = …{(AccountNumber.Length > 4 ? AccountNumber[^4..] : "")}, AccountType = {AccountType} }}";
}

/// <summary>A payment method as shown: never a card number or a full account number.</summary>
[GenerateSerializer, Immutable]
public sealed record PaymentMethodView(
    [property: Id(0)] string Id,
    [property: Id(1)] PaymentMethodKind Kind,
    [property: Id(2)] string? Brand,
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
    [property: Id(13)] string? Provider);
