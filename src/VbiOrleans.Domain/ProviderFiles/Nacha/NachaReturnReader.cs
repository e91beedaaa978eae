using System.Globalization;
using System.Text;
using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.ProviderFiles.Nacha;

/// <summary>
/// One returned entry of a return file: the entry detail record the RDFI sent back and its addenda 99 record, which
/// names the return reason and the trace number of our original entry.
/// </summary>
public sealed record NachaReturnEntry(
    string OriginalTrace,
    string ReasonCode,
    AchReturnReason? Reason,
    int TransactionCode,
    string RdfiRouting,
    string AccountNumber,
    long AmountCents,
    string IndividualId,
    string Name,
    string ReturnTrace,
    DateOnly? DateOfDeath,
    string AddendaInformation);

/// <summary>What a return file held: its returns, and lines the reader passed over (notifications of change, entries without a return addenda).</summary>
public sealed record NachaReturnFile(IReadOnlyList<NachaReturnEntry> Returns, IReadOnlyList<string> Skipped);

/// <summary>
/// Reads a NACHA return file: 94-character records, one per line (LF or CRLF), or unbroken 94-character blocks.
/// Checks the record order (1, then batches of 5, entries 6 each with its addenda 7, 8; then 9) and that each batch
/// and the file count their entries and addenda right; anything else is <see cref="ErrorCode.AchReturnFileMalformed"/>
/// naming the line, and nothing of the file is used.
/// </summary>
public static class NachaReturnReader
{
    /// <summary>A bound on what one file may hold, so a wrong upload cannot take the reader's memory.</summary>
    public const int MaxRecords = 200_000;

    public static Result<NachaReturnFile> Read(ReadOnlySpan<byte> content)
    {
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] > 0x7E || (content[i] < 0x20 && content[i] is not (byte)'\r' and not (byte)'\n'))
                return Malformed($"byte {i} is not printable ASCII");
        }
        var text = Encoding.ASCII.GetString(content);
        var lines = text.Contains('\n')
            ? text.Split('\n').Select(l => l.TrimEnd('\r')).ToList()
            : Enumerable.Range(0, text.Length / NachaWriter.RecordLength).Select(i => text.Substring(i * NachaWriter.RecordLength, NachaWriter.RecordLength)).ToList();
        if (!text.Contains('\n') && text.Length % NachaWriter.RecordLength != 0) return Malformed("the file is not a whole number of 94-character records");
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) return Malformed("the file is empty");
        if (lines.Count > MaxRecords) return Malformed($"the file has more than {MaxRecords} records");

        var returns = new List<NachaReturnEntry>();
        var skipped = new List<string>();
        var state = State.ExpectFileHeader;
        int batchRecords = 0, fileRecords = 0, batches = 0;
        string[]? entry = null; // the pending entry detail's fields, until its addenda is read
        var entryLine = 0;
        for (var n = 0; n < lines.Count; n++)
        {
            var line = lines[n];
            var at = $"line {n + 1}";
            if (line.Length != NachaWriter.RecordLength) return Malformed($"{at} has {line.Length} characters, not 94");
            var type = line[0];
            if (state == State.Done)
            {
                if (line.All(c => c == '9')) continue;
                return Malformed($"{at} follows the file control record");
            }
            switch (type)
            {
                case '1' when state == State.ExpectFileHeader:
                    state = State.ExpectBatch;
                    break;
                case '5' when state == State.ExpectBatch:
                    state = State.InBatch;
                    batchRecords = 0;
                    batches++;
                    break;
                case '6' when state is State.InBatch:
                    if (entry is not null) skipped.Add($"line {entryLine}: an entry without a return addenda");
                    if (!TryDigits(line, 1, 2, out var code)) return Malformed($"{at}: the transaction code is not numeric");
                    entry = [code.ToString(CultureInfo.InvariantCulture), line.Substring(3, 9), line.Substring(12, 17).Trim(), line.Substring(29, 10),
                        line.Substring(39, 15).Trim(), line.Substring(54, 22).Trim(), line.Substring(79, 15)];
                    entryLine = n + 1;
                    if (!entry[3].All(char.IsAsciiDigit)) return Malformed($"{at}: the amount is not numeric");
                    batchRecords++;
                    fileRecords++;
                    break;
                case '7' when state is State.InBatch:
                    if (entry is null) return Malformed($"{at}: an addenda record with no entry before it");
                    batchRecords++;
                    fileRecords++;
                    var addendaType = line.Substring(1, 2);
                    if (addendaType == "99")
                    {
                        var reason = line.Substring(3, 3);
                        var original = line.Substring(6, 15);
                        if (!AchReturnReasons.IsWellFormed(reason)) return Malformed($"{at}: '{reason}' is not a return reason code");
                        if (!original.All(char.IsAsciiDigit)) return Malformed($"{at}: the original trace number is not 15 digits");
                        var death = line.Substring(21, 6);
                        DateOnly? dateOfDeath = DateOnly.TryParseExact(death, "yyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
                        returns.Add(new NachaReturnEntry(original, reason, AchReturnReasons.Find(reason), int.Parse(entry[0], CultureInfo.InvariantCulture),
                            entry[1], entry[2], long.Parse(entry[3], CultureInfo.InvariantCulture), entry[4], entry[5], entry[6],
                            dateOfDeath, line.Substring(35, 44).Trim()));
                    }
                    else
                    {
                        skipped.Add($"line {n + 1}: an addenda of type {addendaType} (not a return)");
                    }
                    entry = null;
                    break;
                case '8' when state == State.InBatch:
                    if (entry is not null) skipped.Add($"line {entryLine}: an entry without a return addenda");
                    entry = null;
                    if (!TryDigits(line, 4, 6, out var counted) || counted != batchRecords)
                        return Malformed($"{at}: the batch control counts {line.Substring(4, 6)} entries and addenda, the batch has {batchRecords}");
                    state = State.ExpectBatch;
                    break;
                case '9' when state == State.ExpectBatch:
                    if (!TryDigits(line, 1, 6, out var batchCount) || batchCount != batches)
                        return Malformed($"{at}: the file control counts {line.Substring(1, 6)} batches, the file has {batches}");
                    if (!TryDigits(line, 13, 8, out var fileCount) || fileCount != fileRecords)
                        return Malformed($"{at}: the file control counts {line.Substring(13, 8)} entries and addenda, the file has {fileRecords}");
                    state = State.Done;
                    break;
                default:
                    return Malformed($"{at}: a record of type '{type}' where {Expected(state)} was expected");
            }
        }
        if (state != State.Done) return Malformed("the file ends before its file control record");
        return new NachaReturnFile(returns, skipped);
    }

    private enum State { ExpectFileHeader, ExpectBatch, InBatch, Done }

    private static string Expected(State state) => state switch
    {
        State.ExpectFileHeader => "the file header (1)",
        State.ExpectBatch => "a batch header (5) or the file control (9)",
        _ => "an entry (6), an addenda (7) or the batch control (8)",
    };

    private static bool TryDigits(string line, int start, int length, out long value) =>
        long.TryParse(line.AsSpan(start, length), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static DomainError Malformed(string message) => new(ErrorCode.AchReturnFileMalformed, $"the return file is not a NACHA file we can read: {message}");
}
