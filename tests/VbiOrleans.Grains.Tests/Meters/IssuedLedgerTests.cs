using System.Buffers.Binary;
using CsCheck;
using VbiOrleans.Grains.Meters;

namespace VbiOrleans.Grains.Tests.Meters;

public sealed class IssuedLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Entries_read_back_in_the_order_written_with_their_refund_flags() =>
        Gen.Select(Gen.Int[1, 5], Gen.Long[1, 100_000], Gen.Bool).Array[0, 200].Sample(steps =>
        {
            var ledger = Array.Empty<byte>();
            var model = new List<IssuedLedger.Entry>();
            long sequence = 0;
            foreach (var (gap, postage, refunded) in steps)
            {
                sequence += gap;
                var entry = new IssuedLedger.Entry(sequence, postage, T0.AddHours(sequence), refunded, unchecked((ulong)sequence * 0x9E3779B97F4A7C15UL));
                ledger = IssuedLedger.Append(ledger, entry);
                model.Add(entry);
            }
            Assert.Equal(model.Count, IssuedLedger.Count(ledger));
            Assert.Equal(model, Enumerable.Range(0, IssuedLedger.Count(ledger)).Select(i => IssuedLedger.At(ledger, i)));
        });

    [Fact]
    public void A_ledger_of_the_first_format_converts_entry_for_entry_with_times_to_the_millisecond() =>
        Gen.Select(Gen.Long[0, (1L << 48) - 1], Gen.Long[0, int.MaxValue], Gen.Long[0, 100L * 365 * TimeSpan.TicksPerDay], Gen.Bool, Gen.ULong)
            .Array[0, 50].Sample(entries =>
            {
                var sorted = entries.DistinctBy(e => e.Item1).OrderBy(e => e.Item1).ToArray();
                var version1 = new byte[sorted.Length * 33];
                for (var i = 0; i < sorted.Length; i++)
                {
                    var (sequence, postage, ticks, refunded, digest) = sorted[i];
                    var span = version1.AsSpan(i * 33);
                    BinaryPrimitives.WriteInt64LittleEndian(span, sequence);
                    BinaryPrimitives.WriteInt64LittleEndian(span[8..], postage);
                    BinaryPrimitives.WriteInt64LittleEndian(span[16..], T0.UtcTicks + ticks);
                    span[24] = refunded ? (byte)1 : (byte)0;
                    BinaryPrimitives.WriteUInt64LittleEndian(span[25..], digest);
                }
                var ledger = IssuedLedger.FromVersion1(version1);
                Assert.Equal(sorted.Length, IssuedLedger.Count(ledger));
                Assert.Equal(sorted.Length * 24, ledger.Length);
                for (var i = 0; i < sorted.Length; i++)
                {
                    var (sequence, postage, ticks, refunded, digest) = sorted[i];
                    var printedAt = new DateTimeOffset(T0.UtcTicks + ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
                    var expected = new IssuedLedger.Entry(sequence, postage, printedAt, refunded, digest);
                    Assert.Equal(expected, IssuedLedger.At(ledger, i));
                }
            });

    [Fact]
    public void Values_that_do_not_fit_an_entry_are_refused_not_truncated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IssuedLedger.Append([], new(1L << 48, 1, T0, false)));
        Assert.Throws<ArgumentOutOfRangeException>(() => IssuedLedger.Append([], new(1, (long)int.MaxValue + 1, T0, false)));
        Assert.Throws<ArgumentOutOfRangeException>(() => IssuedLedger.Append([], new(1, -1, T0, false)));
        Assert.Throws<InvalidDataException>(() => IssuedLedger.FromVersion1(new byte[34]));
    }
}
