namespace VbiOrleans.TransactionLog.Entries;

/// <summary>
/// The transaction kind byte of a log entry. The values are those of the domain's <c>TransactionKind</c>, so the
/// log writer casts one to the other; this library stays free of a reference to the domain. 0 is never written;
/// values not named here are reserved and still read (a newer writer's kind must not make old archives unreadable
/// to the verifier, whose business is hashes).
/// </summary>
public enum LogTransactionKind : byte
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
    PasswordChange = 12,
}
