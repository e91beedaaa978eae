using System.Collections.Concurrent;
using CsCheck;
using VbiOrleans.DataMatrix;

namespace VbiOrleans.DataMatrix.Tests;

public class RandomPayloadTests
{
    private const int MaxLength = 300;
    private static readonly byte[] TextAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789012345678901234567890123456789 .,:;-_/+*()[]{}!?\"'#$%&=<>@\n\t"u8.ToArray();

    private static byte[] Text(Random random, int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            b[i] = TextAlphabet[random.Next(TextAlphabet.Length)];
        }

        return b;
    }

    private static void DecodeAll(IReadOnlyList<(string What, byte[] Payload)> cases)
    {
        Decoders.Require(Decoders.ZXing);
        var failures = new ConcurrentBag<string>();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c =>
        {
            DataMatrixSymbol symbol;
            try
            {
                symbol = DataMatrixEncoder.Encode(c.Payload);
            }
            catch (ArgumentException e)
            {
                failures.Add($"{c.What}: encoder threw {e.Message}");
                return;
            }

            var image = Decoders.SaveImage(symbol);
            var decoded = Decoders.ZXingDecode(image);
            if (decoded is null)
            {
                failures.Add($"{c.What} ({symbol.Size}): ZXingReader found nothing in {image}");
            }
            else if (!decoded.AsSpan().SequenceEqual(c.Payload))
            {
                failures.Add($"{c.What} ({symbol.Size}): expected {Convert.ToHexString(c.Payload)} got {Convert.ToHexString(decoded)} ({image})");
            }
            else
            {
                File.Delete(image);
            }
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} payloads failed:\n" + string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void EveryBinaryLengthUpTo300DecodesExactly()
    {
        var random = new Random(12345);
        var cases = new List<(string, byte[])>();
        for (int length = 0; length <= MaxLength; length++)
        {
            var b = new byte[length];
            random.NextBytes(b);
            cases.Add(($"binary length {length}", b));
        }

        DecodeAll(cases);
    }

    [Fact]
    public void EveryTextLengthUpTo300DecodesExactly()
    {
        var random = new Random(54321);
        var cases = new List<(string, byte[])>();
        for (int length = 0; length <= MaxLength; length++)
        {
            cases.Add(($"text length {length}", Text(random, length)));
        }

        DecodeAll(cases);
    }

    [Fact]
    public void MixedTextAndBinaryDecodesExactly()
    {
        // Runs of digits, text and high bytes exercise switching between ASCII and Base 256.
        var random = new Random(777);
        var cases = new List<(string, byte[])>();
        for (int n = 0; n < 80; n++)
        {
            var payload = new List<byte>();
            int runs = random.Next(1, 6);
            for (int r = 0; r < runs; r++)
            {
                int len = random.Next(0, 60);
                switch (random.Next(3))
                {
                    case 0:
                        for (int i = 0; i < len; i++)
                        {
                            payload.Add((byte)('0' + random.Next(10)));
                        }

                        break;
                    case 1:
                        payload.AddRange(Text(random, len));
                        break;
                    default:
                        var bin = new byte[len];
                        random.NextBytes(bin);
                        payload.AddRange(bin);
                        break;
                }
            }

            cases.Add(($"mixed #{n}", payload.ToArray()));
        }

        DecodeAll(cases);
    }

    [Fact]
    public void CsCheckGeneratedPayloadsDecodeExactly()
    {
        Decoders.Require(Decoders.ZXing);
        Gen.Byte.Array[0, 400].Sample(payload =>
        {
            var symbol = DataMatrixEncoder.Encode(payload);
            var image = Decoders.SaveImage(symbol);
            var decoded = Decoders.ZXingDecode(image);
            bool ok = decoded is not null && decoded.AsSpan().SequenceEqual(payload);
            if (ok)
            {
                File.Delete(image);
            }

            return ok;
        }, iter: 60, threads: 2);
    }

    [Fact]
    public void CsCheckEncodingIsNeverLongerThanPureAsciiOrPureBase256()
    {
        Gen.Byte[(byte)'0', (byte)'9'].Array[0, 600].Select(Gen.Byte.Array[0, 300], (digits, bytes) => digits.Concat(bytes).ToArray())
            .Sample(payload =>
            {
                int ascii = 0;
                for (int i = 0; i < payload.Length; i++)
                {
                    if (i + 1 < payload.Length && char.IsAsciiDigit((char)payload[i]) && char.IsAsciiDigit((char)payload[i + 1]))
                    {
                        ascii++;
                        i++;
                    }
                    else
                    {
                        ascii += payload[i] >= 128 ? 2 : 1;
                    }
                }

                int base256 = payload.Length == 0 ? 0 : 1 + (payload.Length <= 249 ? 1 : 2) + payload.Length;
                int actual = DataMatrixEncoder.EncodeData(payload).Length;
                return actual <= ascii && (payload.Length == 0 || actual <= base256);
            }, iter: 500);
    }
}
