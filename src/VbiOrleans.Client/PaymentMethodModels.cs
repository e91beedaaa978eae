namespace VbiOrleans.Client;

/// <summary>
/// A payment method of the account: <see cref="Kind"/> is <c>card</c> or <c>bankAccount</c>. Only the last four digits
/// of a card or account number are ever shown.
/// </summary>
public sealed record PaymentMethod(string Id, string Kind, string? Brand, string? BankName, string Last4, bool IsDefault, DateTimeOffset AddedAt,
    int? ExpMonth, int? ExpYear, string? AccountType, string? HolderName)
{
    public const string CardKind = "card";
    public const string BankAccountKind = "bankAccount";

    /// <summary>One line for people: "Visa …4242 (12/2027)" or "bank savings …6789 (Ada Lovelace)".</summary>
    public string Describe() => Kind == CardKind
        ? $"{Brand} …{Last4}" + (ExpMonth is { } m && ExpYear is { } y ? $" ({m:D2}/{y})" : "")
        : $"{BankName ?? "bank"} {AccountType} …{Last4}" + (HolderName is null ? "" : $" ({HolderName})");
}

/// <summary>A US bank account for ACH debits. The account number is sent once, kept encrypted, and shown only by its last four digits.</summary>
public sealed record BankAccount(string RoutingNumber, string AccountNumber, string HolderName, bool Savings = false)
{
    public override string ToString() => $"BankAccount {{ RoutingNumber = {RoutingNumber}, AccountNumber = …{(AccountNumber.Length >= 4 ? AccountNumber[^4..] : "")} }}";
}

/// <summary>The ACH debit authorization a customer accepts before a bank account is added: pass <see cref="Version"/> back when accepting.</summary>
public sealed record AchAuthorizationText(string Version, string Text);
