using System.Globalization;
using System.Text;
using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.ProviderFiles.Nacha;

/// <summary>
/// Writes a NACHA file: 94-character records (file header 1, per batch a header 5, entry details 6 and a control 8,
/// the file control 9), padded with lines of 9s to a multiple of 10 records (the blocking factor). Each line ends
/// with LF. The output depends only on the <see cref="NachaFileSpec"/>: the same spec gives the same bytes, so a day's
/// file can be written again after a crash and is identical.
/// </summary>
/// <remarks>
/// Entry hash: the sum of the entries' 8-digit RDFI routing numbers, its last 10 digits. Amounts are cents: an
/// entry in mills that is not whole cents is refused (<see cref="ErrorCode.AchAmountNotWholeCents"/>), never rounded.
/// </remarks>
public static class NachaWriter
{
    public const int RecordLength = 94;
    public const int BlockingFactor = 10;
    /// <summary>An entry's amount field holds 10 digits of cents.</summary>
    public const long MaxEntryCents = 9_999_999_999;
    /// <summary>A trace sequence has 7 digits.</summary>
    public const long MaxTraceSequence = 9_999_999;

    public static Result<NachaFile> Write(NachaFileSpec spec)
    {
        if (CheckOriginator(spec) is { } bad) return bad;
        var lines = new List<string> { FileHeader(spec) };
        var traces = new List<string>();
        var seen = new HashSet<long>();
        long fileHash = 0, fileDebits = 0, fileCredits = 0;
        var fileEntries = 0;
        var batchNumber = 0;
        foreach (var batch in spec.Batches)
        {
            batchNumber++;
            if (CheckBatch(batch, batchNumber) is { } badBatch) return badBatch;
            var serviceClass = batch.Direction == AchDirection.Debit ? NachaServiceClass.DebitsOnly : NachaServiceClass.CreditsOnly;
            lines.Add(BatchHeader(spec, batch, serviceClass, batchNumber));
            long hash = 0, cents = 0;
            long previous = -1;
            foreach (var entry in batch.Entries)
            {
                if (CheckEntry(entry) is { } badEntry) return badEntry;
                if (entry.TraceSequence <= previous || !seen.Add(entry.TraceSequence))
                    return Invalid($"trace sequences must ascend within a batch and be unique in a file ({entry.TraceSequence})");
                previous = entry.TraceSequence;
                var trace = TraceNumber(spec.Originator.OdfiRouting, entry.TraceSequence);
                lines.Add(EntryDetail(batch.Direction, entry, trace));
                traces.Add(trace);
                hash += long.Parse(entry.RdfiRouting[..8], CultureInfo.InvariantCulture);
                cents = checked(cents + entry.AmountMills / 10);
            }
            var (debits, credits) = batch.Direction == AchDirection.Debit ? (cents, 0L) : (0L, cents);
            lines.Add(BatchControl(spec, serviceClass, batch.Entries.Count, hash, debits, credits, batchNumber));
            fileHash += hash;
            fileDebits = checked(fileDebits + debits);
            fileCredits = checked(fileCredits + credits);
            fileEntries += batch.Entries.Count;
        }
        if (fileDebits > 999_999_999_999 || fileCredits > 999_999_999_999) return Invalid("the file's total exceeds 12 digits of cents");
        var records = lines.Count + 1;
        var blocks = (records + BlockingFactor - 1) / BlockingFactor;
        var totals = new NachaTotals(spec.Batches.Count, blocks, fileEntries, fileHash % 10_000_000_000, fileDebits, fileCredits);
        lines.Add(FileControl(totals));
        while (lines.Count < blocks * BlockingFactor) lines.Add(new string('9', RecordLength));

        var text = new StringBuilder(lines.Count * (RecordLength + 1));
        foreach (var line in lines)
        {
            if (line.Length != RecordLength) throw new InvalidOperationException($"a NACHA record of {line.Length} characters: {line}");
            text.Append(line).Append('\n');
        }
        return new NachaFile(Encoding.ASCII.GetBytes(text.ToString()), totals, traces);
    }

    /// <summary>The 15-digit trace number: the ODFI's 8-digit routing prefix and a 7-digit sequence.</summary>
    public static string TraceNumber(string odfiRouting, long sequence) =>
        odfiRouting[..8] + sequence.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>The transaction code of an entry: 27 / 37 debit checking / savings, 22 / 32 credit.</summary>
    public static int TransactionCode(AchDirection direction, AchAccountType account) => (direction, account) switch
    {
        (AchDirection.Debit, AchAccountType.Checking) => 27,
        (AchDirection.Debit, AchAccountType.Savings) => 37,
        (AchDirection.Credit, AchAccountType.Checking) => 22,
        _ => 32,
    };

    /// <summary>A 9-digit ABA routing number whose check digit holds: 3·d1 + 7·d2 + d3 + 3·d4 + … ≡ 0 (mod 10).</summary>
    public static bool IsRoutingNumber(string? routing)
    {
        if (routing is not { Length: 9 } || !routing.All(char.IsAsciiDigit)) return false;
        int[] weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
        var sum = 0;
        for (var i = 0; i < 9; i++) sum += (routing[i] - '0') * weights[i];
        return sum % 10 == 0;
    }

    private static DomainError? CheckOriginator(NachaFileSpec spec)
    {
        var o = spec.Originator;
        if (!IsRoutingNumber(o.ImmediateDestination)) return Invalid("the immediate destination must be a 9-digit routing number");
        if (!IsRoutingNumber(o.OdfiRouting)) return Invalid("the ODFI routing number must be a 9-digit routing number");
        if (o.ImmediateOrigin.Length != 10 || !IsPrintable(o.ImmediateOrigin)) return Invalid("the immediate origin must be 10 characters");
        if (o.CompanyId.Length != 10 || !IsPrintable(o.CompanyId)) return Invalid("the company identification must be 10 characters");
        if (string.IsNullOrWhiteSpace(o.CompanyName)) return Invalid("the company name is empty");
        if (!char.IsAsciiLetterUpper(spec.FileIdModifier) && !char.IsAsciiDigit(spec.FileIdModifier))
            return Invalid("the file id modifier is one of A-Z and 0-9");
        return null;
    }

    private static DomainError? CheckBatch(NachaBatch batch, int number)
    {
        if (batch.SecCode is not ("PPD" or "CCD")) return Invalid($"batch {number}: the SEC code is PPD or CCD, not '{batch.SecCode}'");
        if (batch.Entries.Count == 0) return Invalid($"batch {number} has no entries");
        if (string.IsNullOrWhiteSpace(batch.EntryDescription)) return Invalid($"batch {number} has no entry description");
        if (batch.Entries.Count > 999_999) return Invalid($"batch {number} has more entries than its control record counts");
        return null;
    }

    /// <summary>Why an entry cannot go in a file (its amount, routing number, account number or trace sequence), or null.</summary>
    public static DomainError? CheckEntry(NachaEntry entry)
    {
        if (entry.AmountMills <= 0) return Invalid($"an entry's amount must be positive ({entry.AmountMills} mills)");
        if (entry.AmountMills % 10 != 0)
            return new DomainError(ErrorCode.AchAmountNotWholeCents, $"an ACH entry is in whole cents; {entry.AmountMills} mills is not");
        if (entry.AmountMills / 10 > MaxEntryCents) return Invalid("an entry's amount exceeds 10 digits of cents");
        if (!IsRoutingNumber(entry.RdfiRouting)) return Invalid("an entry's RDFI routing number fails its check digit");
        if (entry.AccountNumber.Length is 0 or > 17 || !entry.AccountNumber.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            return Invalid("an account number is 1 to 17 letters, digits or hyphens");
        if (entry.TraceSequence is < 0 or > MaxTraceSequence) return Invalid("a trace sequence has 7 digits");
        return null;
    }

    private static DomainError Invalid(string message) => new(ErrorCode.AchEntryInvalid, message);

    private static string FileHeader(NachaFileSpec spec)
    {
        var o = spec.Originator;
        return "1" + "01" + " " + o.ImmediateDestination + Alpha(o.ImmediateOrigin, 10)
            + Date(spec.CreationDate) + spec.CreationTime.ToString("HHmm", CultureInfo.InvariantCulture) + spec.FileIdModifier
            + "094" + "10" + "1" + Alpha(o.ImmediateDestinationName, 23) + Alpha(o.ImmediateOriginName, 23) + Alpha("", 8);
    }

    private static string BatchHeader(NachaFileSpec spec, NachaBatch batch, NachaServiceClass serviceClass, int number)
    {
        var o = spec.Originator;
        return "5" + Number((int)serviceClass, 3) + Alpha(o.CompanyName, 16) + Alpha("", 20) + Alpha(o.CompanyId, 10) + batch.SecCode
            + Alpha(batch.EntryDescription, 10) + Date(spec.CreationDate) + Date(batch.EffectiveDate)
            // Settlement date (Julian): left blank, the ACH operator fills it in. Originator status code 1.
            + "   " + "1" + o.OdfiRouting[..8] + Number(number, 7);
    }

    private static string EntryDetail(AchDirection direction, NachaEntry entry, string trace) =>
        "6" + Number(TransactionCode(direction, entry.AccountType), 2) + entry.RdfiRouting + Alpha(entry.AccountNumber, 17)
        + Number(entry.AmountMills / 10, 10) + Alpha(entry.IndividualId, 15) + Alpha(entry.Name, 22) + "  " + "0" + trace;

    private static string BatchControl(NachaFileSpec spec, NachaServiceClass serviceClass, int entries, long hash, long debits, long credits, int number) =>
        "8" + Number((int)serviceClass, 3) + Number(entries, 6) + Number(hash % 10_000_000_000, 10) + Number(debits, 12) + Number(credits, 12)
        + Alpha(spec.Originator.CompanyId, 10) + Alpha("", 19) + Alpha("", 6) + spec.Originator.OdfiRouting[..8] + Number(number, 7);

    private static string FileControl(NachaTotals t) =>
        "9" + Number(t.BatchCount, 6) + Number(t.BlockCount, 6) + Number(t.EntryAndAddendaCount, 8) + Number(t.EntryHash, 10)
        + Number(t.TotalDebitCents, 12) + Number(t.TotalCreditCents, 12) + Alpha("", 39);

    private static string Date(DateOnly date) => date.ToString("yyMMdd", CultureInfo.InvariantCulture);

    private static string Number(long value, int width) => value.ToString(new string('0', width), CultureInfo.InvariantCulture);

    /// <summary>An alphanumeric field: upper case, printable ASCII only (anything else becomes a space), left-justified, cut to width.</summary>
    private static string Alpha(string value, int width)
    {
        var chars = value.ToUpperInvariant().Select(c => c is >= ' ' and <= '~' ? c : ' ').Take(width).ToArray();
        return new string(chars).PadRight(width);
    }

    private static bool IsPrintable(string value) => value.All(c => c is >= ' ' and <= '~');
}
