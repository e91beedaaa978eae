using VbiOrleans.Domain.ProviderFiles.Resetting;

namespace VbiOrleans.Domain.ProviderFiles.Reconciliation;

/// <summary>The checks of the daily reconciliation (docs/provider-files.md), by the names its differences carry.</summary>
public static class ReconciliationChecks
{
    /// <summary>A PVD, refund or withdrawal of the log against the resetting file's T record of the same meter and sequence.</summary>
    public const string ResettingTransaction = "resetting-transaction";
    /// <summary>A PVD of the log against its ledger entry's credit to <c>postage-funds-held:c</c>.</summary>
    public const string LedgerPvd = "ledger-pvd";
    /// <summary>A refund of the log against its ledger entry's debit to <c>postage-at-postal-authority</c>.</summary>
    public const string LedgerRefund = "ledger-refund";
    /// <summary>A withdrawal of the log against its ledger entry's credit to <c>refunds-payable:c</c>.</summary>
    public const string LedgerWithdrawal = "ledger-withdrawal";
    /// <summary>The resetting file's net postage (PVDs − withdrawals) against the movement of <c>remittance-payable</c>.</summary>
    public const string RemittanceNet = "remittance-net";
    /// <summary>The remittance file's credit against the day's movement of <c>remittance-payable</c> (in whole cents).</summary>
    public const string RemittanceFile = "remittance-file";
    /// <summary>The ledger entry <c>remittance:{D}</c> against the remittance file's credit.</summary>
    public const string RemittancePosting = "remittance-posting";
    /// <summary>A meter's registers at the close in the resetting file (R) against the log's last record of the meter before the close.</summary>
    public const string Registers = "registers";
    /// <summary>A day with more records than one check may read (<c>Vbi:Provider:Reconciliation:MaxRecords</c>): not compared whole.</summary>
    public const string Incomplete = "incomplete";
}

/// <summary>One money-moving transaction of the day: from the log, from the resetting file, or as the ledger posted it.</summary>
public sealed record ReconciledTransaction(string MeterId, long Sequence, ResettingKind Kind, long AmountMills, string? CustomerId = null);

/// <summary>A meter's registers at the close: from the log, or the resetting file's R record.</summary>
public sealed record ReconciledRegisters(string MeterId, long Sequence, long AscendingMills, long DescendingMills);

/// <summary>
/// One difference, named: the check, the meter (and its sequence) or customer it concerns, what was expected (the log's
/// side, or the ledger's for the remittance) and what was found, in mills; null where a side has no record at all.
/// </summary>
public sealed record ReconciliationDifference(
    string Check, string? MeterId, long? Sequence, string? CustomerId, long? ExpectedMills, long? FoundMills, string Detail)
{
    public long DifferenceMills => (FoundMills ?? 0) - (ExpectedMills ?? 0);
}

/// <summary>Everything a day's reconciliation compares, read by the reconciliation grain from the log, the files and the ledger.</summary>
public sealed record ReconciliationInputs(
    DateOnly Day,
    IReadOnlyList<ReconciledTransaction> Log,
    IReadOnlyList<ReconciledTransaction> ResettingFile,
    IReadOnlyList<ReconciledTransaction> Ledger,
    IReadOnlyList<ReconciledRegisters> LogRegisters,
    IReadOnlyList<ReconciledRegisters> FileRegisters,
    long FileNetPostageMills,
    long RemittancePayableNetMills,
    long RemittanceFileMills,
    long? RemittancePostedMills,
    IReadOnlyList<string> Incomplete);

/// <summary>The day's totals on each side, in mills, and every difference found.</summary>
public sealed record ReconciliationResult(
    int LogPvdCount, long LogPvdMills, long FilePvdMills, long LedgerPvdMills,
    long LogRefundMills, long LedgerRefundMills, long LogWithdrawalMills, long LedgerWithdrawalMills,
    long FileNetPostageMills, long RemittancePayableNetMills, long RemittedMills, long CarriedMills, long? RemittancePostedMills,
    int MetersCompared, IReadOnlyList<ReconciliationDifference> Differences)
{
    public bool Reconciled => Differences.Count == 0;
}

/// <summary>
/// The daily reconciliation's comparisons, plain C# over what was read: the day's PVDs, refunds and withdrawals in the
/// log = in the resetting file = in the ledger, record by record; the remittance = the movement of remittance payable =
/// the resetting file's net postage; each meter's registers at the close in the file = the log's. Every difference is
/// named, to the mill.
/// </summary>
public static class DailyReconciliation
{
    public static ReconciliationResult Compare(ReconciliationInputs inputs)
    {
        var differences = new List<ReconciliationDifference>();
        foreach (var what in inputs.Incomplete)
            differences.Add(new(ReconciliationChecks.Incomplete, null, null, null, null, null, what));

        // Keyed by (meter, sequence, kind); a record seen twice is one transaction (the feed and the log deliver at least once).
        var log = new Dictionary<(string, long, ResettingKind), ReconciledTransaction>();
        foreach (var t in inputs.Log) log[(t.MeterId, t.Sequence, t.Kind)] = t;
        CompareRecords(ReconciliationChecks.ResettingTransaction, "the resetting file", log, inputs.ResettingFile, _ => true, differences);
        CompareRecords(ReconciliationChecks.LedgerPvd, "the ledger (postage-funds-held)", log, [.. inputs.Ledger.Where(t => t.Kind == ResettingKind.Pvd)],
            k => k == ResettingKind.Pvd, differences);
        CompareRecords(ReconciliationChecks.LedgerRefund, "the ledger (postage-at-postal-authority)", log, [.. inputs.Ledger.Where(t => t.Kind == ResettingKind.Refund)],
            k => k == ResettingKind.Refund, differences);
        CompareRecords(ReconciliationChecks.LedgerWithdrawal, "the ledger (refunds-payable)", log, [.. inputs.Ledger.Where(t => t.Kind == ResettingKind.Withdrawal)],
            k => k == ResettingKind.Withdrawal, differences);

        var amounts = Remittance.RemittanceAmounts.Of(inputs.RemittancePayableNetMills);
        if (inputs.FileNetPostageMills != inputs.RemittancePayableNetMills)
            differences.Add(new(ReconciliationChecks.RemittanceNet, null, null, null, inputs.RemittancePayableNetMills, inputs.FileNetPostageMills,
                $"remittance payable moved {inputs.RemittancePayableNetMills} mills (PVDs less withdrawals); the resetting file's net postage is {inputs.FileNetPostageMills}"));
        if (inputs.RemittanceFileMills != amounts.RemittedMills)
            differences.Add(new(ReconciliationChecks.RemittanceFile, null, null, null, amounts.RemittedMills, inputs.RemittanceFileMills,
                $"remittance payable's movement of {inputs.RemittancePayableNetMills} mills remits {amounts.RemittedMills}; the remittance file credits {inputs.RemittanceFileMills}"));
        if ((inputs.RemittancePostedMills ?? 0) != inputs.RemittanceFileMills)
            differences.Add(new(ReconciliationChecks.RemittancePosting, null, null, null, inputs.RemittanceFileMills, inputs.RemittancePostedMills,
                inputs.RemittancePostedMills is null
                    ? $"the remittance file credits {inputs.RemittanceFileMills} mills; no entry remittance:{inputs.Day:yyyy-MM-dd} is posted"
                    : $"the remittance file credits {inputs.RemittanceFileMills} mills; the entry remittance:{inputs.Day:yyyy-MM-dd} posts {inputs.RemittancePostedMills}"));

        var logRegisters = new Dictionary<string, ReconciledRegisters>(StringComparer.Ordinal);
        foreach (var r in inputs.LogRegisters) logRegisters[r.MeterId] = r;
        foreach (var file in inputs.FileRegisters)
        {
            if (!logRegisters.TryGetValue(file.MeterId, out var logged))
            {
                differences.Add(new(ReconciliationChecks.Registers, file.MeterId, file.Sequence, null, null, file.DescendingMills,
                    $"the resetting file has registers for {file.MeterId} (sequence {file.Sequence}); the log has no record of it before the close"));
                continue;
            }
            if (logged.Sequence != file.Sequence)
                differences.Add(new(ReconciliationChecks.Registers, file.MeterId, file.Sequence, null, null, null,
                    $"{file.MeterId}: the resetting file's registers are after sequence {file.Sequence}, the log's last before the close is {logged.Sequence}"));
            if (logged.AscendingMills != file.AscendingMills)
                differences.Add(new(ReconciliationChecks.Registers, file.MeterId, file.Sequence, null, logged.AscendingMills, file.AscendingMills,
                    $"{file.MeterId}: AR at the close is {logged.AscendingMills} mills in the log, {file.AscendingMills} in the resetting file"));
            if (logged.DescendingMills != file.DescendingMills)
                differences.Add(new(ReconciliationChecks.Registers, file.MeterId, file.Sequence, null, logged.DescendingMills, file.DescendingMills,
                    $"{file.MeterId}: DR at the close is {logged.DescendingMills} mills in the log, {file.DescendingMills} in the resetting file"));
        }
        // A meter that moved money in the day is licensed, so the file must give its registers.
        var inFile = inputs.FileRegisters.Select(r => r.MeterId).ToHashSet(StringComparer.Ordinal);
        foreach (var meter in inputs.Log.Select(t => t.MeterId).Distinct(StringComparer.Ordinal).Where(m => !inFile.Contains(m)).Order(StringComparer.Ordinal))
        {
            var logged = logRegisters.GetValueOrDefault(meter);
            differences.Add(new(ReconciliationChecks.Registers, meter, logged?.Sequence, null, logged?.DescendingMills, null,
                $"{meter} moved money in the day; the resetting file has no registers for it"));
        }

        long Sum(IEnumerable<ReconciledTransaction> ts, ResettingKind kind) => ts.Where(t => t.Kind == kind).Sum(t => t.AmountMills);
        return new ReconciliationResult(
            log.Values.Count(t => t.Kind == ResettingKind.Pvd), Sum(log.Values, ResettingKind.Pvd), Sum(inputs.ResettingFile, ResettingKind.Pvd),
            Sum(inputs.Ledger, ResettingKind.Pvd), Sum(log.Values, ResettingKind.Refund), Sum(inputs.Ledger, ResettingKind.Refund),
            Sum(log.Values, ResettingKind.Withdrawal), Sum(inputs.Ledger, ResettingKind.Withdrawal),
            inputs.FileNetPostageMills, inputs.RemittancePayableNetMills, inputs.RemittanceFileMills, amounts.CarriedMills, inputs.RemittancePostedMills,
            inputs.FileRegisters.Count, differences);
    }

    /// <summary>Every log record of the kinds <paramref name="kinds"/> against the other side's, both ways: missing, extra, or another amount.</summary>
    private static void CompareRecords(string check, string side, Dictionary<(string, long, ResettingKind), ReconciledTransaction> log,
        IReadOnlyList<ReconciledTransaction> other, Func<ResettingKind, bool> kinds, List<ReconciliationDifference> differences)
    {
        var found = new Dictionary<(string, long, ResettingKind), ReconciledTransaction>();
        foreach (var t in other) found[(t.MeterId, t.Sequence, t.Kind)] = t;
        foreach (var ((meter, sequence, kind), expected) in log.Where(kv => kinds(kv.Key.Item3)).OrderBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2))
        {
            if (!found.TryGetValue((meter, sequence, kind), out var t))
                differences.Add(new(check, meter, sequence, expected.CustomerId, expected.AmountMills, null,
                    $"the log's {Name(kind)} of {expected.AmountMills} mills at {meter} sequence {sequence} is not in {side}"));
            else if (t.AmountMills != expected.AmountMills)
                differences.Add(new(check, meter, sequence, t.CustomerId, expected.AmountMills, t.AmountMills,
                    $"the {Name(kind)} at {meter} sequence {sequence}{(t.CustomerId is null ? "" : $" (customer {t.CustomerId})")} is {expected.AmountMills} mills in the log, {t.AmountMills} in {side}: {t.AmountMills - expected.AmountMills:+#;-#} mills"));
        }
        foreach (var t in other.Where(t => !log.ContainsKey((t.MeterId, t.Sequence, t.Kind))).OrderBy(t => t.MeterId, StringComparer.Ordinal).ThenBy(t => t.Sequence))
            differences.Add(new(check, t.MeterId, t.Sequence, t.CustomerId, null, t.AmountMills,
                $"{side} has a {Name(t.Kind)} of {t.AmountMills} mills at {t.MeterId} sequence {t.Sequence}{(t.CustomerId is null ? "" : $" (customer {t.CustomerId})")} that the log does not have in the day"));
    }

    private static string Name(ResettingKind kind) => kind switch
    {
        ResettingKind.Pvd => "PVD",
        ResettingKind.Refund => "refund",
        ResettingKind.Withdrawal => "withdrawal",
        _ => "licence",
    };
}
