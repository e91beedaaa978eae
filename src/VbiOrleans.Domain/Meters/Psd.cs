using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Domain.Meters;

/// <summary>The package after a command and the transaction that made it.</summary>
public sealed record PsdTransition(PsdPackage Next, TransactionKind Kind, Mills Amount);

/// <summary>
/// The PSD's commands as pure functions over the package: the meter lifecycle state machine and the register
/// arithmetic. A command in the wrong state, or one that breaks a limit, returns a named error and no package.
/// Every accepted command moves the sequence up by one.
/// </summary>
public static class Psd
{
    public static Result<PsdTransition> License(PsdPackage p, string zip, DateTimeOffset now)
    {
        if (Refuse(p, MeterState.Provisioned) is { } refused) return refused;
        if (!Zip.IsValidOrigin(zip)) return new DomainError(ErrorCode.InvalidZip, $"'{zip}' is not a 5-digit ZIP code");
        return Step(p with { State = MeterState.Licensed, LicensingZip = zip }, TransactionKind.License, Mills.Zero, now);
    }

    /// <summary>The customer's client registered: the package takes the user secrets and becomes operational.</summary>
    public static Result<PsdTransition> Activate(PsdPackage p, UserSecrets secrets, DateTimeOffset now)
    {
        if (Refuse(p, MeterState.Licensed) is { } refused) return refused;
        // The passphrase repetition list starts with the first password: its verifier is a verifier-style entry of it.
        return Step(p with { State = MeterState.Operational, UserSecrets = secrets, PassphraseRepetitionList = [secrets.PasswordVerifier] },
            TransactionKind.Activate, Mills.Zero, now);
    }

    /// <summary>
    /// The customer's new password: a new verifier and the passphrase repetition list with it pushed on. The module
    /// checked the current password and the list before it built this command; the HMK stays.
    /// </summary>
    public static Result<PsdTransition> ChangePassword(PsdPackage p, byte[] passwordVerifier, IReadOnlyList<byte[]> repetitionList, DateTimeOffset now)
    {
        if (Refuse(p, MeterState.Operational) is { } refused) return refused;
        if (p.UserSecrets is null) return new DomainError(ErrorCode.WrongMeterState, $"meter {p.MeterId} has no registered client");
        if (passwordVerifier.Length == 0 || repetitionList.Count == 0)
            return new DomainError(ErrorCode.ValidationFailed, "a password change needs a verifier and a repetition list");
        return Step(p with { UserSecrets = p.UserSecrets with { PasswordVerifier = passwordVerifier }, PassphraseRepetitionList = repetitionList },
            TransactionKind.PasswordChange, Mills.Zero, now);
    }

    /// <summary>Postage value download: adds to DR against a payment.</summary>
    public static Result<PsdTransition> PostageValueDownload(PsdPackage p, Mills amount, MeterLimits limits, DateTimeOffset now)
    {
        if (Refuse(p, MeterState.Operational) is { } refused) return refused;
        if (!amount.IsPositive) return new DomainError(ErrorCode.InvalidAmount, "a postage value download must be more than zero");
        if (amount > limits.MaxPostageValueDownload)
            return new DomainError(ErrorCode.PvdLimitExceeded, $"a postage value download is at most {limits.MaxPostageValueDownload}");
        var dr = p.Registers.Descending + amount;
        if (dr > limits.DescendingRegisterCeiling)
            return new DomainError(ErrorCode.DescendingRegisterCeilingExceeded,
                $"the descending register may hold at most {limits.DescendingRegisterCeiling}; it holds {p.Registers.Descending}");
        return Step(p with
        {
            Registers = p.Registers with { Descending = dr },
            Totals = p.Totals with { TotalDownloaded = p.Totals.TotalDownloaded + amount },
        }, TransactionKind.PostageValueDownload, amount, now);
    }

    /// <summary>Creates an indicium: debits DR, credits AR, counts the piece.</summary>
    public static Result<PsdTransition> Print(PsdPackage p, Mills postage, MeterLimits limits, DateTimeOffset now)
    {
        if (Refuse(p, MeterState.Operational) is { } refused) return refused;
        if (!postage.IsPositive) return new DomainError(ErrorCode.InvalidAmount, "postage must be more than zero");
        if (postage > limits.MaxPostagePerPiece)
            return new DomainError(ErrorCode.PostageLimitExceeded, $"postage per piece is at most {limits.MaxPostagePerPiece}");
        if (now >= p.KeyExpiry.IndiciumKeyExpires || now >= p.KeyExpiry.CertificateExpires)
            return new DomainError(ErrorCode.IndiciumKeyExpired,
                $"meter {p.MeterId}'s indicium key or certificate expired on {Min(p.KeyExpiry.IndiciumKeyExpires, p.KeyExpiry.CertificateExpires):yyyy-MM-dd}; indicia it signed would not verify");
        if (p.Registers.Descending < postage)
            return new DomainError(ErrorCode.InsufficientFunds, $"the descending register holds {p.Registers.Descending}, less than {postage}");
        return Step(p with
        {
            Registers = new Registers(p.Registers.Ascending + postage, p.Registers.Descending - postage, p.Registers.PieceCount + 1),
        }, TransactionKind.Print, postage, now);
    }

    /// <summary>
    /// Refunds an unused indicium within the refund window: its postage goes back from AR to DR (the value stays in
    /// the meter; it leaves only by withdrawal). The caller proves the indicium exists and was not refunded before.
    /// </summary>
    public static Result<PsdTransition> Refund(PsdPackage p, Mills postage, DateTimeOffset printedAt, MeterLimits limits, DateTimeOffset now)
    {
        if (Refuse(p, MeterState.Operational) is { } refused) return refused;
        if (now - printedAt > limits.RefundWindow)
            return new DomainError(ErrorCode.RefundWindowExpired, $"indicia can be refunded within {limits.RefundWindow.TotalDays:0} days of printing");
        if (!postage.IsPositive || p.Registers.Ascending < postage)
            return new DomainError(ErrorCode.InvalidAmount, "the refund exceeds the ascending register");
        return Step(p with
        {
            Registers = p.Registers with { Ascending = p.Registers.Ascending - postage, Descending = p.Registers.Descending + postage },
            Totals = p.Totals with { TotalRefunded = p.Totals.TotalRefunded + postage },
        }, TransactionKind.Refund, postage, now);
    }

    /// <summary>Withdraws the meter: the remaining DR is paid back to the customer; the state is final.</summary>
    public static Result<PsdTransition> Withdraw(PsdPackage p, DateTimeOffset now)
    {
        if (p.State == MeterState.Withdrawn) return new DomainError(ErrorCode.MeterWithdrawn, $"meter {p.MeterId} is withdrawn");
        if (p.State == MeterState.Inhibited)
            return new DomainError(ErrorCode.MeterInhibited, $"meter {p.MeterId} is inhibited ({p.InhibitReason}); an operator must recover it first");
        var remaining = p.Registers.Descending;
        return Step(p with
        {
            State = MeterState.Withdrawn,
            Registers = p.Registers with { Descending = Mills.Zero },
            Totals = p.Totals with { TotalWithdrawn = p.Totals.TotalWithdrawn + remaining },
        }, TransactionKind.Withdraw, remaining, now);
    }

    /// <summary>Inhibits the meter (checkpoint protocol or operator). Registers are untouched.</summary>
    public static Result<PsdTransition> Inhibit(PsdPackage p, string reason, DateTimeOffset now)
    {
        if (p.State == MeterState.Withdrawn) return new DomainError(ErrorCode.MeterWithdrawn, $"meter {p.MeterId} is withdrawn");
        if (p.State == MeterState.Inhibited) return new PsdTransition(p, TransactionKind.Inhibit, Mills.Zero);
        return Step(p with { State = MeterState.Inhibited, StateBeforeInhibit = p.State, InhibitReason = reason }, TransactionKind.Inhibit, Mills.Zero, now);
    }

    /// <summary>Operator recovery: back to the state the meter had before it was inhibited.</summary>
    public static Result<PsdTransition> Resume(PsdPackage p, DateTimeOffset now)
    {
        if (p.State != MeterState.Inhibited)
            return new DomainError(ErrorCode.WrongMeterState, $"meter {p.MeterId} is {p.State}, not inhibited");
        return Step(p with { State = p.StateBeforeInhibit ?? MeterState.Licensed, StateBeforeInhibit = null, InhibitReason = null },
            TransactionKind.Resume, Mills.Zero, now);
    }

    /// <summary>I1 conservation: AR + DR = value downloaded - value withdrawn.</summary>
    public static bool CheckConservation(PsdPackage p) =>
        p.Registers.ControlTotal == p.Totals.TotalDownloaded - p.Totals.TotalWithdrawn
        && !p.Registers.Ascending.IsNegative && !p.Registers.Descending.IsNegative;

    private static DomainError? Refuse(PsdPackage p, MeterState required) => p.State switch
    {
        _ when p.State == required => null,
        MeterState.Inhibited => new DomainError(ErrorCode.MeterInhibited, $"meter {p.MeterId} is inhibited ({p.InhibitReason}); an operator must recover it"),
        MeterState.Withdrawn => new DomainError(ErrorCode.MeterWithdrawn, $"meter {p.MeterId} is withdrawn"),
        _ => new DomainError(ErrorCode.WrongMeterState, $"meter {p.MeterId} is {p.State}; this needs {required}"),
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static PsdTransition Step(PsdPackage next, TransactionKind kind, Mills amount, DateTimeOffset now) =>
        new(next with { Sequence = next.Sequence + 1, LastTransactionAt = now }, kind, amount);
}

public static class Zip
{
    /// <summary>A licensing (origin) ZIP: five digits.</summary>
    public static bool IsValidOrigin(string? zip) => zip is { Length: 5 } && zip.All(char.IsAsciiDigit);

    /// <summary>A destination ZIP: five digits, or ZIP+4 as nine digits with or without the hyphen.</summary>
    public static bool IsValidDestination(string? zip) => zip switch
    {
        { Length: 5 } => zip.All(char.IsAsciiDigit),
        { Length: 9 } => zip.All(char.IsAsciiDigit),
        { Length: 10 } => zip[5] == '-' && zip[..5].All(char.IsAsciiDigit) && zip[6..].All(char.IsAsciiDigit),
        _ => false,
    };
}
