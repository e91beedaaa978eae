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
}

/// <summary>A failure with its name and a sentence for a person.</summary>
public sealed record DomainError(ErrorCode Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}
