using CsCheck;
using VbiOrleans.DataMatrix;
using Xunit.Abstractions;

namespace VbiOrleans.DataMatrix.Tests;

/// <summary>
/// The product requirement: thousands of random payloads covering every length up to capacity and every symbol
/// size decode, with independent Debian decoders, to exactly the input bytes. Every length from 0 to the largest
/// symbol's binary capacity gets random content (binary, text, digits or a mix); longer payloads, up to the
/// 3116-digit capacity, are digit-heavy; every size is hit at its capacity and one byte over the previous size's.
/// The sweeps share this class so that xunit runs them one after another; each decodes with 2-4 workers.
/// </summary>
public class RandomPayloadTests(ITestOutputHelper output)
{
    private static readonly PayloadKind[] LengthSweepKinds = [PayloadKind.Binary, PayloadKind.Text, PayloadKind.Digits, PayloadKind.Mixed];

    private static DataMatrixSize Largest => DataMatrixSize.Squares[^1];

    [Fact]
    public void EveryLengthUpToBinaryCapacityDecodesExactly()
    {
        // Any content up to the binary capacity fits: Base 256 alone needs at most length + 3 codewords.
        const int Seed = 1_000_000;
        var cases = new List<SweepCase>();
        for (int length = 0; length <= Largest.MaxBinaryBytes; length++)
        {
            int seed = Seed + length;
            var kind = LengthSweepKinds[new Random(seed).Next(LengthSweepKinds.Length)];
            cases.Add(SweepCase.Random($"length sweep {length}", kind, length, seed));
        }

        var report = DecodeSweep.Run(cases, output, $"every length 0..{Largest.MaxBinaryBytes} (binary capacity of {Largest})");
        Assert.Equal(DataMatrixSize.Squares.Select(s => s.ToString()), DataMatrixSize.Squares.Where(report.Sizes.ContainsKey).Select(s => s.ToString()));
    }

    [Fact]
    public void EveryLongerLengthUpToDigitCapacityDecodesExactly()
    {
        // Beyond the binary capacity only payloads that pack two digits per codeword fit.
        const int Seed = 2_000_000;
        var cases = new List<SweepCase>();
        for (int length = Largest.MaxBinaryBytes + 1; length <= Largest.DataCodewords * 2; length++)
        {
            cases.Add(SweepCase.Random($"digit-heavy sweep {length}", PayloadKind.DigitHeavy, length, Seed + length));
        }

        DecodeSweep.Run(cases, output, $"every length {Largest.MaxBinaryBytes + 1}..{Largest.DataCodewords * 2} (digit capacity of {Largest})");
    }

    [Fact]
    public void EveryRectangularLengthDecodesExactly()
    {
        const int Seed = 3_000_000;
        var largest = DataMatrixSize.Rectangles[^1];
        var cases = new List<SweepCase>();
        for (int length = 0; length <= largest.DataCodewords * 2; length++)
        {
            int seed = Seed + length;
            var kind = length <= largest.MaxBinaryBytes ? LengthSweepKinds[new Random(seed).Next(LengthSweepKinds.Length)] : PayloadKind.DigitHeavy;
            cases.Add(SweepCase.Random($"rectangle sweep {length}", kind, length, seed, SymbolShape.Rectangle));
        }

        var report = DecodeSweep.Run(cases, output, $"every rectangular length 0..{largest.DataCodewords * 2}");
        Assert.Equal(DataMatrixSize.Rectangles.Select(s => s.ToString()), DataMatrixSize.Rectangles.Where(report.Sizes.ContainsKey).Select(s => s.ToString()));
    }

    [Fact]
    public void EverySizeAtItsCapacityAndOneByteOverThePreviousDecodesExactly()
    {
        // For each size, in its own shape's order: high bytes (Base 256), digits (two per codeword) and letters
        // (one per codeword) exactly at its capacity, and one byte over the previous size's capacity, must select
        // exactly this size; so must random binary at its capacity.
        const int Seed = 4_000_000;
        var cases = new List<SweepCase>();
        foreach (var (chain, shape) in new[] { (DataMatrixSize.Squares, SymbolShape.Square), (DataMatrixSize.Rectangles, SymbolShape.Rectangle) })
        {
            for (int i = 0; i < chain.Count; i++)
            {
                var size = chain[i];
                var previous = i > 0 ? chain[i - 1] : null;
                int seed = Seed + (size.Rows * 1000) + size.Columns;
                void Add(string what, PayloadKind kind, int length, int variant) =>
                    cases.Add(SweepCase.Random($"{size} {what}", kind, length, (seed * 10) + variant, shape, size));

                Add("high bytes at capacity", PayloadKind.HighBytes, size.MaxBinaryBytes, 0);
                Add("digits at capacity", PayloadKind.Digits, size.DataCodewords * 2, 1);
                Add("letters at capacity", PayloadKind.Letters, size.DataCodewords, 2);
                if (previous is null)
                {
                    // The smallest size of the shape takes the shortest payloads.
                    Add("one high byte", PayloadKind.HighBytes, 1, 3);
                    Add("one digit", PayloadKind.Digits, 1, 4);
                    Add("one letter", PayloadKind.Letters, 1, 5);
                }
                else
                {
                    Add($"high bytes one over {previous}", PayloadKind.HighBytes, previous.MaxBinaryBytes + 1, 3);
                    Add($"digits one over {previous}", PayloadKind.Digits, (previous.DataCodewords * 2) + 1, 4);
                    Add($"letters one over {previous}", PayloadKind.Letters, previous.DataCodewords + 1, 5);
                }

                Add("random binary at capacity", PayloadKind.Binary, size.MaxBinaryBytes, 6);
            }
        }

        var report = DecodeSweep.Run(cases, output, "every size at capacity and one byte over the previous size");
        Assert.Equal(DataMatrixSize.All.Select(s => s.ToString()), DataMatrixSize.All.Where(report.Sizes.ContainsKey).Select(s => s.ToString()));
    }

    [Fact]
    public void MixedTextAndBinaryDecodesExactly()
    {
        // Runs of digits, text and high bytes exercise switching between ASCII and Base 256.
        const int Seed = 5_000_000;
        var cases = new List<SweepCase>();
        for (int n = 0; n < 80; n++)
        {
            int length = new Random(Seed + n).Next(0, 300);
            cases.Add(SweepCase.Random($"mixed #{n}", PayloadKind.Mixed, length, Seed + n));
        }

        DecodeSweep.Run(cases, output, "mixed text and binary");
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
