using System.Globalization;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.ProviderFiles.Nacha;

namespace VbiOrleans.Domain.ProviderFiles.Remittance;

/// <summary>The postal authority's lockbox account: where the day's net postage is credited.</summary>
public sealed record RemittanceLockbox(string Routing, string AccountNumber, AchAccountType AccountType, string ReceiverName, string EntryDescription);

/// <summary>
/// A day's net postage (the movement of <c>remittance-payable</c>: PVDs less withdrawals) split into what an ACH credit
/// can carry (whole cents, never negative) and what stays in remittance payable: the sub-cent mills of a positive day,
/// or the whole of a day whose withdrawals exceed its PVDs.
/// </summary>
public sealed record RemittanceAmounts(long NetMills, long RemittedMills, long CarriedMills)
{
    public static RemittanceAmounts Of(long netMills) =>
        netMills <= 0 ? new(netMills, 0, netMills) : new(netMills, netMills - netMills % 10, netMills % 10);
}

/// <summary>
/// The remittance file of a business day D (docs/provider-files.md): a NACHA file with one CCD credit to the postal
/// authority's lockbox for the day's remitted amount, or with no batch when there is nothing to remit. Every field
/// comes from D, the amount and the options, never the clock, so the day gives the same bytes whenever it is built.
/// </summary>
public static class RemittanceFile
{
    /// <summary>Corporate credit: the lockbox is a business account of the postal authority (PPD is for consumers' accounts).</summary>
    public const string SecCode = "CCD";

    /// <summary>Remittance trace sequences are 9,000,000 + days since 2000-01-01: above the customers' debits' (drawn from 1 up), one per day for ever.</summary>
    public const long TraceBase = 9_000_000;

    /// <summary>Not the customers' debit files' modifier (<c>A</c>): two files of one creation date stay distinct at the ODFI.</summary>
    public const char FileIdModifier = 'R';

    private static readonly DateOnly Epoch = new(2000, 1, 1);

    public static string FileName(string providerId, DateOnly day) =>
        $"remittance-{providerId}-{day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.ach";

    public static long TraceSequence(DateOnly day) => TraceBase + (day.DayNumber - Epoch.DayNumber);

    /// <summary>The entry's individual id: <c>REM</c> and the day, which the lockbox's statement shows.</summary>
    public static string IndividualId(DateOnly day) => "REM" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>
    /// The file: created the day after D at <paramref name="creationTime"/> (the daily run time), effective the next
    /// business day after that; one batch of one credit when <paramref name="remittedMills"/> is positive, else none.
    /// </summary>
    public static Result<NachaFile> Write(DateOnly day, long remittedMills, NachaOriginator originator, RemittanceLockbox lockbox, TimeOnly creationTime)
    {
        if (remittedMills < 0) return new DomainError(ErrorCode.AchEntryInvalid, $"a remittance is never negative ({remittedMills} mills)");
        var created = day.AddDays(1);
        IReadOnlyList<NachaBatch> batches = remittedMills == 0
            ? []
            : [new NachaBatch(AchDirection.Credit, SecCode, lockbox.EntryDescription, AchCalendar.NextBusinessDay(created),
                [new NachaEntry(lockbox.AccountType, lockbox.Routing, lockbox.AccountNumber, remittedMills, IndividualId(day), lockbox.ReceiverName, TraceSequence(day))])];
        return NachaWriter.Write(new NachaFileSpec(originator, created, creationTime, FileIdModifier, batches));
    }
}

/// <summary>What a NACHA file credits, read back for the reconciliation: the sum of its credit entries (codes 22, 32), in mills.</summary>
public static class NachaCredits
{
    public static Result<long> Read(byte[] file)
    {
        long cents = 0;
        long? controlCredits = null;
        foreach (var line in System.Text.Encoding.ASCII.GetString(file).Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.Length != NachaWriter.RecordLength) return new DomainError(ErrorCode.ProviderFileMalformed, $"a NACHA record of {line.Length} characters");
            if (line[0] == '6' && line[1..3] is "22" or "32")
                cents += long.Parse(line.AsSpan(29, 10), CultureInfo.InvariantCulture);
            else if (line[0] == '9' && line[1] != '9' && controlCredits is null)
                controlCredits = long.Parse(line.AsSpan(43, 12), CultureInfo.InvariantCulture);
        }
        if (controlCredits != cents)
            return new DomainError(ErrorCode.ProviderFileMalformed, $"the file control's total credit ({controlCredits}) is not its entries' ({cents})");
        return cents * 10;
    }
}
