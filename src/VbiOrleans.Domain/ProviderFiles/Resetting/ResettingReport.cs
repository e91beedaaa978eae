using System.Text;
using VbiOrleans.Domain.Errors;
using static VbiOrleans.Domain.ProviderFiles.ProviderFileText;

namespace VbiOrleans.Domain.ProviderFiles.Resetting;

/// <summary>The transactions a resetting report lists (the seed's CMRS): the resets and what else moves value or a licence.</summary>
public enum ResettingKind
{
    /// <summary>A postage value download: value added to DR.</summary>
    Pvd = 1,
    /// <summary>A refund of an unused indicium: its postage back from AR to DR.</summary>
    Refund = 2,
    /// <summary>A meter licensed to a customer at a licensing ZIP.</summary>
    Licence = 3,
    /// <summary>The meter's balance (DR) withdrawn and paid back to the customer.</summary>
    Withdrawal = 4,
}

/// <summary>One transaction of the day on one meter: the amount and the registers after it.</summary>
public sealed record ResettingTransaction(
    string MeterId, long Sequence, ResettingKind Kind, DateTimeOffset At, long AmountMills, long AscendingMills, long DescendingMills,
    string ModuleSerial, string LicensingZip, string Reference);

/// <summary>A meter's registers at the end of the day: after its last transaction up to then (any kind, prints included).</summary>
public sealed record MeterRegistersAtClose(string MeterId, long Sequence, long AscendingMills, long DescendingMills, DateTimeOffset LastTransactionAt)
{
    public long ControlTotalMills => AscendingMills + DescendingMills;
}

/// <summary>What a crypto module did in the day: how many transactions it processed, the value it downloaded and printed.</summary>
public sealed record ModuleUse(string ModuleSerial, long Transactions, long PvdMills, long PrintMills, DateTimeOffset FirstAt, DateTimeOffset LastAt);

/// <summary>A device audit event of the day from the log: a rollback of module memory, an inhibit, a resume or an operator recovery.</summary>
public sealed record DeviceAuditEvent(string ModuleSerial, string MeterId, long Sequence, string Event, DateTimeOffset At, string Note);

/// <summary>The trailer: counts of each record type and the day's totals in mills.</summary>
public sealed record ResettingTotals(
    int Transactions, int Meters, int Modules, int AuditEvents,
    int PvdCount, long PvdMills, int RefundCount, long RefundMills, int WithdrawalCount, long WithdrawalMills, int LicenceCount)
{
    /// <summary>The postage the day's movements owe the postal authority: PVDs less withdrawals (refunds stay on the meter as DR).</summary>
    public long NetPostageMills => PvdMills - WithdrawalMills;
}

/// <summary>
/// The resetting and movement report of one business day, layout version 01 (docs/provider-files.md): header,
/// transactions (T), meters' registers at the end of the day (R), module use (M) and device audit events (A),
/// trailer (Z). The same report always makes the same bytes: records are sorted and no field depends on when the
/// file was made.
/// </summary>
public sealed record ResettingReport(
    string ProviderId, DateOnly Day,
    IReadOnlyList<ResettingTransaction> Transactions,
    IReadOnlyList<MeterRegistersAtClose> Meters,
    IReadOnlyList<ModuleUse> Modules,
    IReadOnlyList<DeviceAuditEvent> AuditEvents)
{
    public const string FileType = "VBI-RESETTING";
    public const string Version = "01";

    public ResettingTotals Totals => new(Transactions.Count, Meters.Count, Modules.Count, AuditEvents.Count,
        Count(ResettingKind.Pvd), Sum(ResettingKind.Pvd), Count(ResettingKind.Refund), Sum(ResettingKind.Refund),
        Count(ResettingKind.Withdrawal), Sum(ResettingKind.Withdrawal), Count(ResettingKind.Licence));

    private int Count(ResettingKind kind) => Transactions.Count(t => t.Kind == kind);

    private long Sum(ResettingKind kind) => Transactions.Where(t => t.Kind == kind).Sum(t => t.AmountMills);

    /// <summary>The file name: <c>resetting-{provider}-{yyyyMMdd}-v01.txt</c>.</summary>
    public static string FileName(string providerId, DateOnly day) => $"resetting-{providerId}-{day:yyyyMMdd}-v{Version}.txt";

    public byte[] Write()
    {
        var b = new StringBuilder();
        b.Append(Line("H", FileType, Version, Text(ProviderId), ProviderFileText.Day(Day)));
        foreach (var t in Transactions.OrderBy(t => t.At).ThenBy(t => t.MeterId, StringComparer.Ordinal).ThenBy(t => t.Sequence).ThenBy(t => t.Kind))
        {
            b.Append(Line("T", Text(t.MeterId), Number(t.Sequence), KindCode(t.Kind), Time(t.At), Number(t.AmountMills),
                Number(t.AscendingMills), Number(t.DescendingMills), Text(t.ModuleSerial), Text(t.LicensingZip), Text(t.Reference)));
        }
        foreach (var m in Meters.OrderBy(m => m.MeterId, StringComparer.Ordinal))
        {
            b.Append(Line("R", Text(m.MeterId), Number(m.Sequence), Number(m.AscendingMills), Number(m.DescendingMills),
                Number(m.ControlTotalMills), Time(m.LastTransactionAt)));
        }
        foreach (var m in Modules.OrderBy(m => m.ModuleSerial, StringComparer.Ordinal))
        {
            b.Append(Line("M", Text(m.ModuleSerial), Number(m.Transactions), Number(m.PvdMills), Number(m.PrintMills), Time(m.FirstAt), Time(m.LastAt)));
        }
        foreach (var a in AuditEvents.OrderBy(a => a.At).ThenBy(a => a.MeterId, StringComparer.Ordinal).ThenBy(a => a.Sequence).ThenBy(a => a.Event, StringComparer.Ordinal))
        {
            b.Append(Line("A", Text(a.ModuleSerial), Text(a.MeterId), Number(a.Sequence), Text(a.Event), Time(a.At), Text(a.Note)));
        }
        var z = Totals;
        b.Append(Line("Z", Number(z.Transactions), Number(z.Meters), Number(z.Modules), Number(z.AuditEvents),
            Number(z.PvdCount), Number(z.PvdMills), Number(z.RefundCount), Number(z.RefundMills),
            Number(z.WithdrawalCount), Number(z.WithdrawalMills), Number(z.LicenceCount), Number(z.NetPostageMills)));
        return Bytes(b);
    }

    public static string KindCode(ResettingKind kind) => kind switch
    {
        ResettingKind.Pvd => "PVD",
        ResettingKind.Refund => "REFUND",
        ResettingKind.Licence => "LICENCE",
        ResettingKind.Withdrawal => "WITHDRAWAL",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static ResettingKind? KindOf(string code) => code switch
    {
        "PVD" => ResettingKind.Pvd,
        "REFUND" => ResettingKind.Refund,
        "LICENCE" => ResettingKind.Licence,
        "WITHDRAWAL" => ResettingKind.Withdrawal,
        _ => null,
    };

    /// <summary>
    /// Reads a file back (what the postal authority, the reconciliation and the tests do): every record's layout, and
    /// the trailer's counts and totals against the records. Text fields come back as written (cleaned).
    /// </summary>
    public static Result<ResettingReport> Parse(ReadOnlySpan<byte> file)
    {
        const string what = "the resetting file";
        var read = Lines(file, what);
        if (!read.IsSuccess) return read.Error;
        var lines = read.Value;
        var h = lines[0];
        if (h is not ["H", FileType, var version, var provider, var dayText]) return Fail(what, "does not start with a VBI-RESETTING header");
        if (version != Version) return Fail(what, $"is layout version {version}; this reader knows {Version}");
        if (!TryDay(dayText, out var day)) return Fail(what, $"names the day '{dayText}', not a date");
        var transactions = new List<ResettingTransaction>();
        var meters = new List<MeterRegistersAtClose>();
        var modules = new List<ModuleUse>();
        var audit = new List<DeviceAuditEvent>();
        string[]? trailer = null;
        for (var i = 1; i < lines.Count; i++)
        {
            var f = lines[i];
            var line = $"line {i + 1}";
            if (trailer is not null) return Fail(what, $"has a record after its trailer at {line}");
            switch (f[0])
            {
                case "T" when f.Length == 11 && KindOf(f[3]) is { } kind && TryNumber(f[2], out var seq) && TryTime(f[4], out var at)
                    && TryNumber(f[5], out var amount) && TryNumber(f[6], out var ar) && TryNumber(f[7], out var dr):
                    transactions.Add(new ResettingTransaction(f[1], seq, kind, at, amount, ar, dr, f[8], f[9], f[10]));
                    break;
                case "R" when f.Length == 7 && TryNumber(f[2], out var seq) && TryNumber(f[3], out var ar) && TryNumber(f[4], out var dr)
                    && TryNumber(f[5], out var control) && TryTime(f[6], out var at):
                    if (control != ar + dr) return Fail(what, $"has a control total {control} that is not AR + DR at {line}");
                    meters.Add(new MeterRegistersAtClose(f[1], seq, ar, dr, at));
                    break;
                case "M" when f.Length == 7 && TryNumber(f[2], out var count) && TryNumber(f[3], out var pvd) && TryNumber(f[4], out var printed)
                    && TryTime(f[5], out var first) && TryTime(f[6], out var last):
                    modules.Add(new ModuleUse(f[1], count, pvd, printed, first, last));
                    break;
                case "A" when f.Length == 7 && TryNumber(f[3], out var seq) && TryTime(f[5], out var at):
                    audit.Add(new DeviceAuditEvent(f[1], f[2], seq, f[4], at, f[6]));
                    break;
                case "Z" when f.Length == 13:
                    trailer = f;
                    break;
                default:
                    return Fail(what, $"has a malformed or unknown record at {line}: '{string.Join('|', f)}'");
            }
        }
        if (trailer is null) return Fail(what, "has no trailer");
        var report = new ResettingReport(provider, day, transactions, meters, modules, audit);
        var z = report.Totals;
        string[] expected = [.. new long[] { z.Transactions, z.Meters, z.Modules, z.AuditEvents, z.PvdCount, z.PvdMills, z.RefundCount, z.RefundMills,
            z.WithdrawalCount, z.WithdrawalMills, z.LicenceCount, z.NetPostageMills }.Select(Number)];
        if (!trailer.Skip(1).SequenceEqual(expected))
            return Fail(what, $"has a trailer '{string.Join('|', trailer)}' that does not match its records (Z|{string.Join('|', expected)})");
        return report;
    }
}
