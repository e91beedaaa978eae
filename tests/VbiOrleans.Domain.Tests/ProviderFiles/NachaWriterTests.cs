using System.Text;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.ProviderFiles.Nacha;
using VbiOrleans.Testing;

namespace VbiOrleans.Domain.Tests.ProviderFiles;

public sealed class NachaWriterTests
{
    public static readonly NachaOriginator Originator = new("091000019", "Fed Reserve Bank", "1123456789", "VBI Orleans", "VBI Orleans", "1123456789", "091000019");

    private static NachaFileSpec TwoDebits() => new(Originator, new DateOnly(2026, 12, 7), new TimeOnly(18, 0), 'A',
    [
        new NachaBatch(AchDirection.Debit, "PPD", "POSTAGE", new DateOnly(2026, 12, 8),
        [
            new NachaEntry(AchAccountType.Checking, "011000015", "12345678", 12_340, "u-alice", "Alice Example", 42),
            new NachaEntry(AchAccountType.Savings, "021000021", "987654321", 500_000, "u-bob", "Bob Example", 43),
        ]),
    ]);

    [Fact]
    public void A_debit_batch_is_written_record_by_record_as_the_NACHA_format_lays_it_out()
    {
        var file = NachaWriter.Write(TwoDebits()).Value;
        string[] expected =
        [
            "101 09100001911234567892612071800A094101FED RESERVE BANK       VBI ORLEANS                    ",
            "5225VBI ORLEANS                         1123456789PPDPOSTAGE   261207261208   1091000010000001",
            "62701100001512345678         0000001234U-ALICE        ALICE EXAMPLE           0091000010000042",
            "637021000021987654321        0000050000U-BOB          BOB EXAMPLE             0091000010000043",
            "822500000200032000030000000512340000000000001123456789                         091000010000001",
            "9000001000001000000020003200003000000051234000000000000                                       ",
            .. Enumerable.Repeat(new string('9', 94), 4),
        ];
        Assert.Equal(string.Join("", expected.Select(l => l + "\n")), Encoding.ASCII.GetString(file.Content));
        Assert.Equal(new NachaTotals(1, 1, 2, 3_200_003, 51_234, 0), file.Totals);
        Assert.Equal(["091000010000042", "091000010000043"], file.TraceNumbers);
    }

    [Fact]
    public void The_same_spec_gives_byte_identical_files()
    {
        Assert.Equal(NachaWriter.Write(TwoDebits()).Value.Content, NachaWriter.Write(TwoDebits()).Value.Content);
    }

    [Fact]
    public void The_entry_hash_keeps_the_last_ten_digits_and_the_file_pads_to_whole_blocks()
    {
        // 2,000 entries at routing 99999999x: the sum of their 8-digit prefixes has 11 digits.
        var entries = Enumerable.Range(1, 2_000).Select(i => new NachaEntry(AchAccountType.Checking, "999999992", $"{i}", 10, "u-x", "X", i)).ToList();
        var file = NachaWriter.Write(new NachaFileSpec(Originator, new DateOnly(2026, 12, 7), new TimeOnly(18, 0), 'A',
            [new NachaBatch(AchDirection.Debit, "PPD", "POSTAGE", new DateOnly(2026, 12, 8), entries)])).Value;
        Assert.Equal(99_999_999L * 2_000 % 10_000_000_000, file.Totals.EntryHash);
        // 1 + 1 + 2000 + 1 + 1 = 2004 records: 201 blocks, 6 lines of 9s.
        Assert.Equal(201, file.Totals.BlockCount);
        Assert.Equal(2_010 * 95, file.Content.Length);
        Assert.Equal(2_000 * 10 / 10, file.Totals.TotalDebitCents);
    }

    [Fact]
    public void A_credit_batch_has_service_class_220_and_transaction_codes_22_and_32()
    {
        var spec = new NachaFileSpec(Originator, new DateOnly(2026, 12, 7), new TimeOnly(9, 30), 'B',
        [
            new NachaBatch(AchDirection.Credit, "CCD", "REMITTANCE", new DateOnly(2026, 12, 8),
            [
                new NachaEntry(AchAccountType.Checking, "011000015", "55555", 1_000_000, "POSTAL", "Postal Lockbox", 1),
                new NachaEntry(AchAccountType.Savings, "011000015", "66666", 10, "POSTAL", "Postal Lockbox", 2),
            ]),
        ]);
        var lines = Encoding.ASCII.GetString(NachaWriter.Write(spec).Value.Content).Split('\n');
        Assert.StartsWith("5220", lines[1]);
        Assert.Equal("CCD", lines[1][50..53]);
        Assert.StartsWith("622011000015", lines[2]);
        Assert.StartsWith("632011000015", lines[3]);
        Assert.StartsWith("8220000002", lines[4]);
        Assert.Equal("000000000000000000100001", lines[4][20..44]); // no debits, 100,001 cents of credits
    }

    [Theory]
    [InlineData(12_345, ErrorCode.AchAmountNotWholeCents)]
    [InlineData(0, ErrorCode.AchEntryInvalid)]
    [InlineData(-10, ErrorCode.AchEntryInvalid)]
    public void An_amount_that_is_not_a_positive_number_of_whole_cents_is_refused(long mills, ErrorCode code)
    {
        var spec = TwoDebits() with
        {
            Batches = [TwoDebits().Batches[0] with { Entries = [TwoDebits().Batches[0].Entries[0] with { AmountMills = mills }] }],
        };
        Assert.Equal(code, NachaWriter.Write(spec).Error!.Code);
    }

    [Theory]
    [InlineData("011000016", "12345")] // check digit wrong
    [InlineData("01100001", "12345")]
    [InlineData("011000015", "123456789012345678")] // 18 characters
    [InlineData("011000015", "12 45")]
    public void A_routing_number_failing_its_check_digit_or_a_malformed_account_is_refused(string routing, string account)
    {
        var entry = TwoDebits().Batches[0].Entries[0] with { RdfiRouting = routing, AccountNumber = account };
        var spec = TwoDebits() with { Batches = [TwoDebits().Batches[0] with { Entries = [entry] }] };
        Assert.Equal(ErrorCode.AchEntryInvalid, NachaWriter.Write(spec).Error!.Code);
    }

    [Fact]
    public void Trace_numbers_must_ascend_within_a_batch()
    {
        var batch = TwoDebits().Batches[0];
        var spec = TwoDebits() with { Batches = [batch with { Entries = [batch.Entries[1], batch.Entries[0]] }] };
        Assert.Equal(ErrorCode.AchEntryInvalid, NachaWriter.Write(spec).Error!.Code);
    }

    [Fact]
    public async Task An_independent_parser_node_nacha_reads_our_file_with_the_same_counts_amounts_hash_and_traces()
    {
        var spec = TwoDebits() with
        {
            Batches =
            [
                .. TwoDebits().Batches,
                new NachaBatch(AchDirection.Debit, "PPD", "POSTAGE", new DateOnly(2026, 12, 9),
                    [new NachaEntry(AchAccountType.Checking, "121000248", "4444-5555", 7_770, "u-carol", "Carol Example", 44)]),
            ],
        };
        var file = NachaWriter.Write(spec).Value;
        var parsed = await NodeNacha.ParseAsync(file.Content);

        var footer = parsed.GetProperty("file").GetProperty("footer");
        Assert.Equal(2, footer.GetProperty("batchCount").GetInt32());
        Assert.Equal(3, footer.GetProperty("entryAndAddendaCount").GetInt32());
        Assert.Equal(file.Totals.BlockCount, footer.GetProperty("blockCount").GetInt32());
        Assert.Equal(1_100_001 + 2_100_002 + 12_100_024, footer.GetProperty("entryHash").GetInt64());
        Assert.Equal(1_234 + 50_000 + 777, footer.GetProperty("totalDebit").GetInt64());
        Assert.Equal(0, footer.GetProperty("totalCredit").GetInt64());

        var batches = parsed.GetProperty("batches").EnumerateArray().ToList();
        Assert.All(batches, b => Assert.Equal(225, b.GetProperty("serviceClassCode").GetInt32()));
        Assert.All(batches, b => Assert.Equal("PPD", b.GetProperty("entryClassCode").GetString()));
        Assert.Equal(["261208", "261209"], batches.Select(b => b.GetProperty("effectiveDate").GetString()!));
        var entries = batches.SelectMany(b => b.GetProperty("entries").EnumerateArray()).ToList();
        Assert.Equal(file.TraceNumbers, entries.Select(e => e.GetProperty("traceNumber").GetString()!));
        Assert.Equal(["27", "37", "27"], entries.Select(e => e.GetProperty("transactionCode").GetString()!));
        Assert.Equal(["011000015", "021000021", "121000248"], entries.Select(e => e.GetProperty("routing").GetString()!));
        Assert.Equal(["12345678", "987654321", "4444-5555"], entries.Select(e => e.GetProperty("account").GetString()!));
        Assert.Equal([1_234L, 50_000, 777], entries.Select(e => e.GetProperty("amount").GetInt64()));
        foreach (var batch in batches)
        {
            var batchFooter = batch.GetProperty("footer");
            var batchEntries = batch.GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(batchEntries.Count, batchFooter.GetProperty("entryAndAddendaCount").GetInt32());
            Assert.Equal(batchEntries.Sum(e => e.GetProperty("amount").GetInt64()), batchFooter.GetProperty("totalDebit").GetInt64());
        }
    }
}

public sealed class AchCalendarTests
{
    [Theory]
    [InlineData("2026-12-07", 1, "2026-12-08")] // Monday → Tuesday
    [InlineData("2026-12-11", 1, "2026-12-14")] // Friday → Monday
    [InlineData("2026-12-12", 0, "2026-12-14")] // Saturday, 0 days → Monday
    [InlineData("2026-12-10", 2, "2026-12-14")] // Thursday + 2 → Monday
    [InlineData("2026-12-13", 2, "2026-12-16")] // Sunday + 2 → Wednesday
    public void Business_days_skip_weekends(string from, int days, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            AchCalendar.AddBusinessDays(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), days));
    }
}
