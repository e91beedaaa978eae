namespace VbiOrleans.Domain.Ledger;

/// <summary>One posting of an entry as the rules see it: an account and exactly one positive side.</summary>
public readonly record struct LedgerLine(string Account, long DebitMills, long CreditMills)
{
    public static LedgerLine Debit(string account, long mills) => new(account, mills, 0);
    public static LedgerLine Credit(string account, long mills) => new(account, 0, mills);
}

/// <summary>Why an entry is refused: each a name, never a message to parse.</summary>
public enum EntryViolation
{
    None = 0,
    /// <summary>Fewer than two postings: a movement has a source and a destination.</summary>
    TooFewPostings,
    /// <summary>A posting with an account name that is empty or malformed.</summary>
    InvalidAccount,
    /// <summary>A posting with a negative or zero amount, or with both sides or neither side set.</summary>
    NotOneSide,
    /// <summary>The debits do not sum to the credits (I7).</summary>
    Unbalanced,
    /// <summary>The sums overflow a 64-bit count of mills.</summary>
    Overflow,
}

/// <summary>
/// I7, the ledger balances, for one entry: at least two postings, each on a well-formed account with exactly one side
/// and an amount over 0, and the debits summing to the credits. An entry that breaks it is never stored, so the trial
/// balance of any set of stored entries balances.
/// </summary>
public static class EntryRules
{
    public static EntryViolation Check(IReadOnlyList<LedgerLine> lines)
    {
        if (lines.Count < 2) return EntryViolation.TooFewPostings;
        long debits = 0, credits = 0;
        foreach (var line in lines)
        {
            if (!ChartOfAccounts.IsValidName(line.Account)) return EntryViolation.InvalidAccount;
            var oneSide = (line.DebitMills > 0 && line.CreditMills == 0) || (line.CreditMills > 0 && line.DebitMills == 0);
            if (!oneSide) return EntryViolation.NotOneSide;
            try
            {
                debits = checked(debits + line.DebitMills);
                credits = checked(credits + line.CreditMills);
            }
            catch (OverflowException)
            {
                return EntryViolation.Overflow;
            }
        }
        return debits == credits ? EntryViolation.None : EntryViolation.Unbalanced;
    }

    /// <summary>
    /// The postings in a canonical order (account, then debit, then credit), so two posts of one entry compare equal
    /// whatever order their builder listed them in.
    /// </summary>
    public static IReadOnlyList<LedgerLine> Canonical(IEnumerable<LedgerLine> lines) =>
        [.. lines.OrderBy(l => l.Account, StringComparer.Ordinal).ThenBy(l => l.DebitMills).ThenBy(l => l.CreditMills)];

    /// <summary>Whether two sets of postings are the same movement (order does not matter).</summary>
    public static bool SamePostings(IEnumerable<LedgerLine> a, IEnumerable<LedgerLine> b) => Canonical(a).SequenceEqual(Canonical(b));
}
