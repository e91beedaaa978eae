using CsCheck;
using VbiOrleans.Grains.Meters;

namespace VbiOrleans.Grains.Tests.Meters;

public sealed class IssuedLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Entries_are_found_marked_and_pruned_like_a_list_would_be() =>
        Gen.Select(Gen.Int[1, 5], Gen.Long[1, 100_000], Gen.Bool).Array[0, 200].Sample(steps =>
        {
            var ledger = Array.Empty<byte>();
            var model = new List<IssuedLedger.Entry>();
            long sequence = 0;
            foreach (var (gap, postage, refund) in steps)
            {
                sequence += gap;
                var entry = new IssuedLedger.Entry(sequence, postage, T0.AddHours(sequence), false, unchecked((ulong)sequence * 0x9E3779B97F4A7C15UL));
                ledger = IssuedLedger.Append(ledger, entry);
                model.Add(entry);
                if (refund && model.Count > 1)
                {
                    var target = model[model.Count / 2];
                    ledger = IssuedLedger.MarkRefunded(ledger, target.Sequence);
                    model[model.Count / 2] = target with { Refunded = true };
                }
            }
            Assert.Equal(model.Count, IssuedLedger.Count(ledger));
            foreach (var e in model)
            {
                Assert.Equal(e, IssuedLedger.Find(ledger, e.Sequence));
                Assert.Equal(e, IssuedLedger.FindByDigest(ledger, e.Digest));
            }
            Assert.Null(IssuedLedger.FindByDigest(ledger, 12345));
            Assert.Null(IssuedLedger.Find(ledger, sequence + 1));

            var cut = T0.AddHours(sequence / 2.0);
            var pruned = IssuedLedger.Prune(ledger, cut);
            Assert.Equal(model.Count(e => e.PrintedAt >= cut), IssuedLedger.Count(pruned));
            foreach (var e in model.Where(e => e.PrintedAt < cut)) Assert.Null(IssuedLedger.Find(pruned, e.Sequence));
        });
}
