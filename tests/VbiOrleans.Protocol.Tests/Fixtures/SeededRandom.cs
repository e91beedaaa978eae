using System.Security.Cryptography;

namespace VbiOrleans.Protocol.Tests.Fixtures;

/// <summary>A deterministic "random" source, so a test can show that output depends only on its inputs.</summary>
public sealed class SeededRandom(int seed) : RandomNumberGenerator
{
    private readonly Random _random = new(seed);

    public override void GetBytes(byte[] data) => _random.NextBytes(data);

    public override void GetBytes(Span<byte> data) => _random.NextBytes(data);

    public override void GetBytes(byte[] data, int offset, int count) => _random.NextBytes(data.AsSpan(offset, count));
}
