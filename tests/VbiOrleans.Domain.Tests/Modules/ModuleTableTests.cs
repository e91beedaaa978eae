using CsCheck;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Modules;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Domain.Tests.Modules;

public sealed class ModuleTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly ModuleSerial Serial = ModuleSerial.Parse("34576590");

    [Theory]
    [InlineData("34576590")]
    [InlineData("HSM-PART-01")]
    [InlineData("ABCD")]
    public void Accepts_serials(string text) => Assert.True(ModuleSerial.TryParse(text, out _, out _));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc1")]
    [InlineData("AB")]
    [InlineData("-ABCD")]
    [InlineData("ABCD-")]
    [InlineData("AB CD")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456")]
    public void Refuses_bad_serials_with_a_reason(string? text)
    {
        Assert.False(ModuleSerial.TryParse(text, out var serial, out var problem));
        Assert.Null(serial);
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void Grain_key_is_prefixed_so_digit_only_serials_stay_strings() =>
        Assert.Equal("cm-34576590", Serial.GrainKey);

    [Fact]
    public void Registering_again_with_the_same_label_returns_the_existing_row()
    {
        var first = ModuleTable.Register(null, Serial, "rack A", T0).Value;
        var again = ModuleTable.Register(first, Serial, " rack A ", T0.AddHours(1));
        Assert.True(again.IsSuccess);
        Assert.Same(first, again.Value);
    }

    [Fact]
    public void Registering_again_with_another_label_is_ModuleAlreadyRegistered()
    {
        var first = ModuleTable.Register(null, Serial, "rack A", T0).Value;
        var again = ModuleTable.Register(first, Serial, "rack B", T0);
        Assert.Equal(ErrorCode.ModuleAlreadyRegistered, again.Error!.Code);
    }

    [Fact]
    public void A_label_with_control_characters_is_refused() =>
        Assert.Equal(ErrorCode.ValidationFailed, ModuleTable.Register(null, Serial, "a\nb", T0).Error!.Code);

    [Fact]
    public void Transactions_on_unregistered_or_retired_modules_are_refused()
    {
        var tx = new ModuleTransaction(T0, TransactionKind.Print, new Mills(330), "m-1", 1);
        Assert.Equal(ErrorCode.ModuleNotRegistered, ModuleTable.RecordTransaction(null, Serial, tx).Error!.Code);
        var retired = ModuleTable.Retire(ModuleTable.Register(null, Serial, "", T0).Value, Serial).Value;
        Assert.Equal(ErrorCode.ModuleRetired, ModuleTable.RecordTransaction(retired, Serial, tx).Error!.Code);
    }

    [Fact]
    public void A_coalesced_report_counts_its_transactions_and_a_report_of_none_is_refused()
    {
        var entry = ModuleTable.Register(null, Serial, "", T0).Value;
        var tx = new ModuleTransaction(T0, TransactionKind.Print, new Mills(330), "m-1", 9);
        var recorded = ModuleTable.RecordReport(entry, Serial, tx, count: 6).Value;
        Assert.Equal(6, recorded.TransactionCount);
        Assert.Equal(tx, recorded.LastTransaction);
        Assert.Equal(ErrorCode.ValidationFailed, ModuleTable.RecordReport(recorded, Serial, tx with { Sequence = 10 }, count: 0).Error!.Code);
        // Another silo's report, older than the row's latest: its transactions count, the latest stays.
        var older = ModuleTable.RecordReport(recorded, Serial, tx with { At = T0.AddSeconds(-1), Sequence = 3 }, count: 2).Value;
        Assert.Equal(8, older.TransactionCount);
        Assert.Equal(tx, older.LastTransaction);
    }

    [Fact]
    public void A_negative_value_is_InvalidAmount()
    {
        var entry = ModuleTable.Register(null, Serial, "", T0).Value;
        var tx = new ModuleTransaction(T0, TransactionKind.Print, new Mills(-1), "m-1", 1);
        Assert.Equal(ErrorCode.InvalidAmount, ModuleTable.RecordTransaction(entry, Serial, tx).Error!.Code);
    }

    /// <summary>
    /// For any sequence of reported transactions the row holds the latest accepted one, counts every accepted one,
    /// and refuses exactly those older than the one it holds.
    /// </summary>
    [Fact]
    public void The_row_keeps_the_latest_transaction_and_refuses_older_ones()
    {
        var gen = Gen.Select(Gen.Int[-3600, 3600], Gen.Long[0, 100_000], Gen.Enum<TransactionKind>()).Array[1, 40];
        gen.Sample(reports =>
        {
            var entry = ModuleTable.Register(null, Serial, "", T0).Value;
            long accepted = 0;
            DateTimeOffset? latest = null;
            foreach (var (offset, value, kind) in reports)
            {
                var tx = new ModuleTransaction(T0.AddSeconds(offset), kind, new Mills(value), "m-1", accepted);
                var result = ModuleTable.RecordTransaction(entry, Serial, tx);
                if (latest is { } l && tx.At < l)
                {
                    Assert.Equal(ErrorCode.ModuleTransactionOutOfOrder, result.Error!.Code);
                    continue;
                }
                Assert.True(result.IsSuccess);
                entry = result.Value;
                accepted++;
                latest = tx.At;
                Assert.Equal(tx, entry.LastTransaction);
            }
            Assert.Equal(accepted, entry.TransactionCount);
        });
    }
}
