using CsCheck;
using VbiOrleans.Grains.Meters;

namespace VbiOrleans.Grains.Tests.Meters;

public sealed class IdempotencyLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("abc", 0xBA7816BFu)] // SHA-256("abc") = ba7816bf...: rows already stored hold hashes made this way
    [InlineData("", 0xE3B0C442u)]
    [InlineData("clé-ü", 0u)]
    public void A_key_hash_is_the_first_four_bytes_of_the_sha256_of_its_utf8(string key, uint known)
    {
        var expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        if (known != 0) Assert.Equal(known, expected);
        Assert.Equal(expected, IdempotencyLedger.KeyHashOf(key));
    }

    [Fact]
    public void Keys_are_found_newest_first_and_dropped_by_capacity_and_age_like_a_list_would_be() =>
        Gen.Select(Gen.Int[0, 40], Gen.Int[1, 90], Gen.Int[1, 16]).Array[0, 150].Sample(steps =>
        {
            var ledger = Array.Empty<byte>();
            var model = new List<IdempotencyLedger.Entry>();
            long sequence = 0;
            foreach (var (key, minutes, capacity) in steps)
            {
                sequence++;
                var entry = new IdempotencyLedger.Entry(IdempotencyLedger.KeyHashOf($"key-{key}"), sequence * 0x1_0000_0001, T0.AddMinutes(sequence * minutes));
                ledger = IdempotencyLedger.Append(ledger, entry, capacity);
                model.Add(entry);
                if (model.Count > capacity) model.RemoveRange(0, model.Count - capacity);
            }
            Assert.Equal(model.Count, IdempotencyLedger.Count(ledger));
            for (var key = 0; key <= 40; key++)
            {
                var hash = IdempotencyLedger.KeyHashOf($"key-{key}");
                Assert.Equal(model.Where(e => e.KeyHash == hash).Reverse(), IdempotencyLedger.Find(ledger, hash));
            }
            if (model.Count == 0) return;
            var cut = model[model.Count / 2].At;
            var pruned = IdempotencyLedger.Prune(ledger, cut);
            Assert.Equal(model.SkipWhile(e => e.At < cut).Count(), IdempotencyLedger.Count(pruned));
        });

    [Fact]
    public void A_sequence_beyond_48_bits_is_refused_rather_than_cut() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => IdempotencyLedger.Append([], new IdempotencyLedger.Entry(1, 1L << 48, T0), 64));

    [Fact]
    public void A_key_hashes_the_same_every_time_and_unlike_another_key() =>
        Gen.String[1, 128].Sample(key =>
        {
            Assert.Equal(IdempotencyLedger.KeyHashOf(key), IdempotencyLedger.KeyHashOf(new string(key.AsSpan())));
            Assert.NotEqual(IdempotencyLedger.KeyHashOf(key), IdempotencyLedger.KeyHashOf(key + "x"));
        });
}
