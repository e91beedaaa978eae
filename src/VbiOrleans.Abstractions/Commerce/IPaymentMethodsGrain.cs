namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// A customer's payment methods (key: the customer id, <c>commerce</c> store). Only the member the ACH file needs
/// is declared here: the full contract (cards, bank accounts, the authorization record) is c20-pay's, and this file
/// merges into it.
/// </summary>
public interface IPaymentMethodsGrain : IGrainWithStringKey
{
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
