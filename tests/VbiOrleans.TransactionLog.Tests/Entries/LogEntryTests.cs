using CsCheck;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Tests.Fixtures;

namespace VbiOrleans.TransactionLog.Tests.Entries;

public class LogEntryTests
{
    private static readonly LogEntry Example = new(
        Index: 7,
        MeterId: "m-0000abcd",
        MeterSequence: 42,
        Kind: LogTransactionKind.Print,
        AmountMills: 730,
        AscendingAfterMills: 100_730,
        DescendingAfterMills: 9_270,
        TimeUnixMs: 1_750_000_000_123,
        ModuleSerial: "HSM-01",
        PublicPayload: [1, 2, 3],
        SealedSecret: []);

    [Fact]
    public void TheLayoutIsBigEndianAndLengthPrefixedAsDocumented()
    {
        var expected = Convert.FromHexString(
            "01" // version
            + "0000000000000007" // index
            + "000a" + Convert.ToHexString("m-0000abcd"u8) // meter id
            + "000000000000002a" // meter sequence
            + "02" // kind: print
            + "00000000000002da" // amount 730
            + "000000000001897a" // AR after 100730
            + "0000000000002436" // DR after 9270
            + "000001977420dc7b" // time 1750000000123
            + "0006" + Convert.ToHexString("HSM-01"u8) // module serial
            + "00000003" + "010203" // public payload
            + "00000000"); // sealed secret: none
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Example.Encode()));
    }

    [Fact]
    public void EveryEntryRoundTrips()
    {
        EntryGen.Entry.Sample(entry => Assert.Equal(entry, LogEntry.Decode(entry.Encode()).Value), iter: 500);
    }

    [Fact]
    public void EveryTruncationIsRefusedAsTruncated()
    {
        var bytes = Example.Encode();
        for (var length = 0; length < bytes.Length; length++)
        {
            var result = LogEntry.Decode(bytes.AsSpan(0, length));
            Assert.False(result.IsSuccess, $"{length} bytes");
            Assert.Equal(LogErrorCode.Truncated, result.Error.Code);
        }
    }

    [Fact]
    public void TrailingBytesAreRefused()
    {
        var result = LogEntry.Decode([.. Example.Encode(), 0]);
        Assert.Equal(LogErrorCode.TrailingBytes, result.Error!.Code);
    }

    [Fact]
    public void AnotherVersionIsRefusedByName()
    {
        var bytes = Example.Encode();
        bytes[0] = 2;
        Assert.Equal(LogErrorCode.UnsupportedVersion, LogEntry.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void FieldsOutOfRangeAreRefusedOnBothSides()
    {
        Assert.Throws<ArgumentException>(() => (Example with { Index = -1 }).Encode());
        Assert.Throws<ArgumentException>(() => (Example with { Kind = 0 }).Encode());
        Assert.Throws<ArgumentException>(() => (Example with { MeterId = "" }).Encode());
        Assert.Throws<ArgumentException>(() => (Example with { SealedSecret = new byte[5] }).Encode());
        Assert.Throws<ArgumentException>(() => (Example with { PublicPayload = new byte[LogEntry.MaxPublicPayloadBytes + 1] }).Encode());

        var kindZero = Example.Encode();
        kindZero[1 + 8 + 2 + 10 + 8] = 0;
        Assert.Equal(LogErrorCode.InvalidField, LogEntry.Decode(kindZero).Error!.Code);

        var negativeIndex = Example.Encode();
        negativeIndex[1] = 0x80;
        Assert.Equal(LogErrorCode.InvalidField, LogEntry.Decode(negativeIndex).Error!.Code);

        var badUtf8 = Example.Encode();
        badUtf8[1 + 8 + 2] = 0xFF;
        Assert.Equal(LogErrorCode.InvalidField, LogEntry.Decode(badUtf8).Error!.Code);

        var hugePayloadLength = Example.Encode();
        hugePayloadLength[^11] = 0x7F;
        Assert.Equal(LogErrorCode.LengthOutOfRange, LogEntry.Decode(hugePayloadLength).Error!.Code);
    }

    [Fact]
    public void ReservedKindsStillDecode()
    {
        var entry = Example with { Kind = (LogTransactionKind)200 };
        Assert.Equal(entry, LogEntry.Decode(entry.Encode()).Value);
    }
}
