using System.Text;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.ProviderFiles.Nacha;

namespace VbiOrleans.Domain.Tests.ProviderFiles;

public sealed class NachaReturnReaderTests
{
    // A return file as an ODFI sends it back, written by hand: two of our debits returned (R01 and R03), each entry
    // (transaction code 26: the return of a checking debit) followed by its addenda 99 with our original trace number.
    private static readonly string[] TwoReturns =
    [
        "101 09100001902100002126121109300A094101VBI ORLEANS            RDFI BANK                      ",
        "5225VBI ORLEANS                         1123456789PPDPOSTAGE   261207261208   1021000020000001",
        "62601100001512345678         0000001234U-ALICE        ALICE EXAMPLE           1021000020000001",
        "799R01091000010000042      01100001                                            021000020000001",
        "636021000021987654321        0000050000U-BOB          BOB EXAMPLE             1021000020000002",
        "799R0309100001000004326110102100002ACCOUNT NOT FOUND                           021000020000002",
        "822500000400032000030000000512340000000000001123456789                         021000020000001",
        "9000001000001000000040003200003000000051234000000000000                                       ",
        "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
        "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    ];

    private static byte[] Bytes(IEnumerable<string> lines, string newline = "\n") => Encoding.ASCII.GetBytes(string.Join(newline, lines) + newline);

    [Fact]
    public void Each_return_entry_is_read_with_its_reason_and_our_original_trace_number()
    {
        var file = NachaReturnReader.Read(Bytes(TwoReturns)).Value;
        Assert.Empty(file.Skipped);
        Assert.Equal(2, file.Returns.Count);
        var first = file.Returns[0];
        Assert.Equal("091000010000042", first.OriginalTrace);
        Assert.Equal("R01", first.ReasonCode);
        Assert.Equal("Insufficient funds", first.Reason!.Title);
        Assert.Equal(26, first.TransactionCode);
        Assert.Equal(1_234, first.AmountCents);
        Assert.Equal("12345678", first.AccountNumber);
        Assert.Equal("U-ALICE", first.IndividualId);
        Assert.Equal("021000020000001", first.ReturnTrace);
        var second = file.Returns[1];
        Assert.Equal(("091000010000043", "R03", 36), (second.OriginalTrace, second.ReasonCode, second.TransactionCode));
        Assert.Equal("No account / unable to locate account", second.Reason!.Title);
        Assert.Equal(new DateOnly(2026, 11, 1), second.DateOfDeath);
        Assert.Equal("ACCOUNT NOT FOUND", second.AddendaInformation);
    }

    [Fact]
    public void CRLF_lines_and_unbroken_records_read_the_same()
    {
        var lf = NachaReturnReader.Read(Bytes(TwoReturns)).Value.Returns;
        Assert.Equal(lf, NachaReturnReader.Read(Bytes(TwoReturns, "\r\n")).Value.Returns);
        Assert.Equal(lf, NachaReturnReader.Read(Encoding.ASCII.GetBytes(string.Concat(TwoReturns))).Value.Returns);
    }

    [Fact]
    public void A_notification_of_change_is_passed_over_and_said_so()
    {
        string[] lines =
        [
            TwoReturns[0], TwoReturns[1], TwoReturns[2],
            "798C01091000010000042      01100001123456789                                   021000020000001",
            "822500000200011000010000000012340000000000001123456789                         021000020000001",
            "9000001000001000000020001100001000000001234000000000000                                       ",
        ];
        var file = NachaReturnReader.Read(Bytes(lines)).Value;
        Assert.Empty(file.Returns);
        Assert.Contains(file.Skipped, s => s.Contains("type 98", StringComparison.Ordinal));
    }

    [Fact]
    public void The_table_names_the_common_return_codes()
    {
        Assert.Equal("Account closed", AchReturnReasons.Find("R02")!.Title);
        Assert.True(AchReturnReasons.Find("R10")!.Unauthorized);
        Assert.False(AchReturnReasons.Find("R01")!.Unauthorized);
        Assert.Null(AchReturnReasons.Find("R99"));
        Assert.Equal(AchReturnReasons.All.Count, AchReturnReasons.All.Select(r => r.Code).Distinct().Count());
    }

    public static TheoryData<string, string[]> Malformed => new()
    {
        { "a short line", [.. TwoReturns.Take(2), TwoReturns[2][..90], .. TwoReturns.Skip(3)] },
        { "no file control", [.. TwoReturns.Take(7)] },
        { "a batch control counting wrong", [.. TwoReturns.Take(6), "8225000003" + TwoReturns[6][10..], .. TwoReturns.Skip(7)] },
        { "an addenda first", [TwoReturns[0], TwoReturns[1], TwoReturns[3], .. TwoReturns.Skip(2)] },
        { "a reason code that is not R and two digits", [.. TwoReturns.Take(3), "799X01" + TwoReturns[3][6..], .. TwoReturns.Skip(4)] },
        { "an entry outside a batch", [TwoReturns[0], TwoReturns[2], .. TwoReturns.Skip(3)] },
        { "a file control counting wrong", [.. TwoReturns.Take(7), "9000002" + TwoReturns[7][7..], .. TwoReturns.Skip(8)] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_return_file_is_refused_whole_with_the_line_named(string what, string[] lines)
    {
        var result = NachaReturnReader.Read(Bytes(lines));
        Assert.False(result.IsSuccess, what);
        Assert.Equal(ErrorCode.AchReturnFileMalformed, result.Error!.Code);
    }

    [Fact]
    public void A_file_with_bytes_outside_printable_ASCII_is_refused()
    {
        var bytes = Bytes(TwoReturns);
        bytes[50] = 0xC3;
        Assert.Equal(ErrorCode.AchReturnFileMalformed, NachaReturnReader.Read(bytes).Error!.Code);
    }
}
