namespace VbiOrleans.DataMatrix.Tests;

/// <summary>What a generated payload is made of.</summary>
internal enum PayloadKind
{
    /// <summary>Uniform random bytes 0-255.</summary>
    Binary,
    /// <summary>Printable ASCII with digits, punctuation, LF and TAB (digit pairs occur by chance).</summary>
    Text,
    /// <summary>Only '0'-'9': two per ASCII codeword.</summary>
    Digits,
    /// <summary>Runs of digits, text, binary and high bytes, short and long (over 249 for two-byte Base 256 lengths).</summary>
    Mixed,
    /// <summary>Only bytes 0x80-0xFF: two codewords each in ASCII, so Base 256 is always the shortest.</summary>
    HighBytes,
    /// <summary>Text without digits: exactly one ASCII codeword per byte.</summary>
    Letters,
    /// <summary>Digits with a few text or high bytes inserted, still fitting the largest symbol of the shape (see <see cref="RandomPayloads.DigitHeavy"/>).</summary>
    DigitHeavy,
}

/// <summary>Reproducible payloads: the same kind, length and seed always give the same bytes.</summary>
internal static class RandomPayloads
{
    private static readonly byte[] TextAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789012345678901234567890123456789 .,:;-_/+*()[]{}!?\"'#$%&=<>@\n\t"u8.ToArray();

    private static readonly byte[] LetterAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .,:;-_/+*()[]{}!?\"'#$%&=<>@\n\t"u8.ToArray();

    /// <summary>The payload of this kind, length and seed; <see cref="PayloadKind.DigitHeavy"/> fits the largest symbol of <paramref name="shape"/>.</summary>
    public static byte[] Create(PayloadKind kind, int length, int seed, SymbolShape shape = SymbolShape.Square)
    {
        var random = new Random(seed);
        return kind switch
        {
            PayloadKind.Binary => Binary(random, length),
            PayloadKind.Text => From(random, TextAlphabet, length),
            PayloadKind.Digits => Digits(random, length),
            PayloadKind.Mixed => Mixed(random, length),
            PayloadKind.HighBytes => High(random, length),
            PayloadKind.Letters => From(random, LetterAlphabet, length),
            PayloadKind.DigitHeavy => DigitHeavy(random, length, (shape == SymbolShape.Rectangle ? DataMatrixSize.Rectangles : DataMatrixSize.Squares)[^1].DataCodewords),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>
    /// <paramref name="length"/> digits, some replaced by text or high bytes, that pure ASCII encodation fits in
    /// <paramref name="dataCodewords"/>. Pure digits cost ceil(length / 2) codewords; replacing one digit splits a
    /// digit run and adds at most 2 codewords for a text byte or 3 for a high byte (upper shift), so up to
    /// (slack / 3) replacements always fit.
    /// </summary>
    private static byte[] DigitHeavy(Random random, int length, int dataCodewords)
    {
        var b = Digits(random, length);
        int slack = dataCodewords - ((length + 1) / 2);
        if (slack < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"{length} digits need more than {dataCodewords} codewords");
        }

        int replacements = random.Next(0, (slack / 3) + 1);
        for (int k = 0; k < replacements; k++)
        {
            b[random.Next(length)] = random.Next(2) == 0
                ? LetterAlphabet[random.Next(LetterAlphabet.Length)]
                : (byte)random.Next(128, 256);
        }

        return b;
    }

    private static byte[] Binary(Random random, int length)
    {
        var b = new byte[length];
        random.NextBytes(b);
        return b;
    }

    private static byte[] High(Random random, int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            b[i] = (byte)random.Next(128, 256);
        }

        return b;
    }

    private static byte[] Digits(Random random, int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            b[i] = (byte)('0' + random.Next(10));
        }

        return b;
    }

    private static byte[] From(Random random, byte[] alphabet, int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            b[i] = alphabet[random.Next(alphabet.Length)];
        }

        return b;
    }

    private static byte[] Mixed(Random random, int length)
    {
        var b = new byte[length];
        int i = 0;
        while (i < length)
        {
            // Mostly short runs (frequent ASCII/Base 256 switches), sometimes long ones.
            int longest = random.Next(4) == 0 ? 400 : 24;
            int run = Math.Min(length - i, random.Next(1, longest + 1));
            var part = random.Next(4) switch
            {
                0 => Digits(random, run),
                1 => From(random, TextAlphabet, run),
                2 => High(random, run),
                _ => Binary(random, run),
            };
            part.CopyTo(b, i);
            i += run;
        }

        return b;
    }
}
