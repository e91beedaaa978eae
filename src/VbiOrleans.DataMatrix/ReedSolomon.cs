namespace VbiOrleans.DataMatrix;

/// <summary>Reed–Solomon over GF(256) with primitive polynomial 0x12D, generator roots α^1…α^n.</summary>
public static class ReedSolomon
{
    private static readonly byte[] Exp = new byte[512];
    private static readonly int[] Log = new int[256];
    private static readonly Dictionary<int, byte[]> Generators = [];
    private static readonly Lock GeneratorLock = new();

    static ReedSolomon()
    {
        int x = 1;
        for (int i = 0; i < 255; i++)
        {
            Exp[i] = (byte)x;
            Log[x] = i;
            x <<= 1;
            if (x >= 256)
            {
                x ^= 0x12D;
            }
        }

        for (int i = 255; i < 512; i++)
        {
            Exp[i] = Exp[i - 255];
        }
    }

    /// <summary>GF(256) multiplication.</summary>
    public static byte Multiply(byte a, byte b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    /// <summary>Coefficients of the generator polynomial of degree n, highest degree first (leading 1 included).</summary>
    public static byte[] Generator(int n)
    {
        lock (GeneratorLock)
        {
            if (Generators.TryGetValue(n, out var cached))
            {
                return cached;
            }

            // g = 1; for i in 1..n: g *= (x + α^i)
            var g = new byte[n + 1];
            g[0] = 1;
            int degree = 0;
            for (int i = 1; i <= n; i++)
            {
                byte root = Exp[i];
                degree++;
                for (int j = degree; j >= 1; j--)
                {
                    g[j] ^= Multiply(g[j - 1], root);
                }
            }

            Generators[n] = g;
            return g;
        }
    }

    /// <summary>Computes <paramref name="eccCount"/> check codewords for <paramref name="data"/>.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> data, int eccCount)
    {
        var g = Generator(eccCount);
        var ecc = new byte[eccCount];
        foreach (byte d in data)
        {
            byte feedback = (byte)(d ^ ecc[0]);
            for (int j = 0; j < eccCount - 1; j++)
            {
                ecc[j] = (byte)(ecc[j + 1] ^ Multiply(feedback, g[j + 1]));
            }

            ecc[eccCount - 1] = Multiply(feedback, g[eccCount]);
        }

        return ecc;
    }
}
