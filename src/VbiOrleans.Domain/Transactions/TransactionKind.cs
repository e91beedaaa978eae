namespace VbiOrleans.Domain.Transactions;

/// <summary>The kinds of PSD transaction a crypto module processes and the transaction log records.</summary>
public enum TransactionKind
{
    PostageValueDownload = 1,
    Print = 2,
    Refund = 3,
    Withdraw = 4,
    Rollback = 5,
    Recovery = 6,
    Provision = 7,
    License = 8,
    Activate = 9,
    Inhibit = 10,
    Resume = 11,
    /// <summary>The customer replaced the meter's password (new verifier, passphrase repetition list pushed). No value moves.</summary>
    PasswordChange = 12,
}
