using CsCheck;
using VbiOrleans.TransactionLog.Entries;

namespace VbiOrleans.TransactionLog.Tests.Fixtures;

public static class EntryGen
{
    public static readonly Gen<LogEntry> Entry =
        Gen.Select(
            Gen.Long[0, long.MaxValue],
            Gen.String[Gen.Char['a', 'z'], 1, 40],
            Gen.Long[0, long.MaxValue],
            Gen.Byte[1, 255],
            Gen.Long,
            Gen.Select(Gen.Long, Gen.Long, Gen.Long),
            Gen.String[Gen.Char['A', 'Z'], 0, 32],
            Gen.Select(Gen.Byte.Array[0, 300], Gen.OneOf(Gen.Const(Array.Empty<byte>()), Gen.Byte.Array[EntryCipher.Overhead, 200])))
        .Select((index, meter, sequence, kind, amount, registers, module, payloads) => new LogEntry(
            index, "m-" + meter, sequence, (LogTransactionKind)kind, amount, registers.Item1, registers.Item2, registers.Item3,
            module, payloads.Item1, payloads.Item2));

    /// <summary>A plausible entry i of a test log.</summary>
    public static LogEntry Plausible(long index, Random random)
    {
        var kind = (LogTransactionKind)random.Next(1, 8);
        var amount = random.Next(1, 100_000);
        return new LogEntry(
            index,
            $"m-{random.Next(100_000):d8}",
            random.Next(1_000_000),
            kind,
            amount,
            random.Next(0, 10_000_000),
            random.Next(0, 10_000_000),
            1_750_000_000_000 + index * 1000,
            "HSM-0001",
            kind == LogTransactionKind.Print ? RandomBytes(random, 120) : [],
            kind is LogTransactionKind.PostageValueDownload or LogTransactionKind.Print ? RandomBytes(random, EntryCipher.Overhead + 16) : []);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
