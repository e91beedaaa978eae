using VbiOrleans.Domain.Crypto;

namespace VbiOrleans.Domain.Tests.Meters;

public sealed class RandomNoncesTests
{
    [Fact]
    public void Nonces_do_not_repeat_across_many_buffer_refills_and_threads()
    {
        // 12-byte nonces, 341 to a 4 KiB refill: 20,000 per thread crosses about 60 refills on each of 4 threads.
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 20_000; i++) Assert.True(seen.TryAdd(Convert.ToHexString(RandomNonces.Next(12)), true));
        });
        Assert.Equal(80_000, seen.Count);
    }

    [Fact]
    public void Nonce_bytes_look_uniform()
    {
        // 1,200,000 bytes: each of 256 values is expected 4,687.5 times; a chi-square above 400 (255 degrees of
        // freedom) happens by chance about once in a hundred million runs.
        var counts = new long[256];
        for (var i = 0; i < 100_000; i++)
            foreach (var b in RandomNonces.Next(12)) counts[b]++;
        var expected = 1_200_000 / 256.0;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.InRange(chiSquare, 0, 400);
    }

    [Fact]
    public void Long_requests_and_odd_lengths_are_filled_whole()
    {
        foreach (var length in new[] { 1, 7, 12, 64, 65, 4096, 10_000 })
        {
            var a = RandomNonces.Next(length);
            var b = RandomNonces.Next(length);
            Assert.Equal(length, a.Length);
            if (length >= 12) Assert.NotEqual(a, b);
        }
    }
}
