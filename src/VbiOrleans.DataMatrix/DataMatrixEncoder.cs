namespace VbiOrleans.DataMatrix;

/// <summary>Data Matrix ECC 200 encoder (ASCII and Base 256 encodation, mixed optimally).</summary>
public static class DataMatrixEncoder
{
    private const byte Pad = 129;
    private const byte UpperShift = 235;
    private const byte LatchBase256 = 231;

    /// <summary>Encodes <paramref name="data"/> into the smallest symbol of the given shape.</summary>
    /// <exception cref="ArgumentException">The data does not fit the largest symbol of that shape.</exception>
    public static DataMatrixSymbol Encode(ReadOnlySpan<byte> data, SymbolShape shape = SymbolShape.Square)
    {
        var codewords = EncodeData(data);
        // A final Base 256 field of 250 bytes or more that exactly fills a smaller symbol takes it with the one-byte
        // "to the end of the symbol" length (ISO/IEC 16022, 5.2.9.1): the largest symbol then holds 1556 bytes, not 1555.
        if (EncodeData(data, lastBase256RunsToEnd: true) is var toEnd && toEnd.Length < codewords.Length
            && SelectSize(toEnd.Length, shape) is { } exact && exact.DataCodewords == toEnd.Length
            && (SelectSize(codewords.Length, shape) is not { } regular || exact.DataCodewords < regular.DataCodewords))
        {
            return Build(toEnd, exact);
        }
        var size = SelectSize(codewords.Length, shape)
            ?? throw new ArgumentException(
                $"Data of {data.Length} bytes needs {codewords.Length} data codewords, more than the largest " +
                $"{shape} Data Matrix symbol holds ({LargestCapacity(shape)} codewords).",
                nameof(data));
        return Build(codewords, size);
    }

    /// <summary>Encodes <paramref name="data"/> into a symbol of exactly the given size.</summary>
    /// <exception cref="ArgumentException">The data does not fit that size.</exception>
    public static DataMatrixSymbol Encode(ReadOnlySpan<byte> data, DataMatrixSize size)
    {
        ArgumentNullException.ThrowIfNull(size);
        var codewords = EncodeData(data);
        if (codewords.Length > size.DataCodewords && EncodeData(data, lastBase256RunsToEnd: true) is var toEnd && toEnd.Length == size.DataCodewords)
        {
            return Build(toEnd, size);
        }
        if (codewords.Length > size.DataCodewords)
        {
            throw new ArgumentException(
                $"Data of {data.Length} bytes needs {codewords.Length} data codewords, more than a {size} symbol holds ({size.DataCodewords}).",
                nameof(data));
        }

        return Build(codewords, size);
    }

    /// <summary>The smallest size of the given shape holding <paramref name="dataCodewords"/>, or null.</summary>
    public static DataMatrixSize? SelectSize(int dataCodewords, SymbolShape shape = SymbolShape.Square)
    {
        IEnumerable<DataMatrixSize> candidates = shape switch
        {
            SymbolShape.Square => DataMatrixSize.Squares,
            SymbolShape.Rectangle => DataMatrixSize.Rectangles,
            _ => DataMatrixSize.All.OrderBy(s => s.Rows * s.Columns).ThenBy(s => s.IsRectangular ? 1 : 0),
        };
        return candidates.FirstOrDefault(s => s.DataCodewords >= dataCodewords);
    }

    private static int LargestCapacity(SymbolShape shape) =>
        shape == SymbolShape.Rectangle ? DataMatrixSize.Rectangles[^1].DataCodewords : DataMatrixSize.Squares[^1].DataCodewords;

    /// <summary>
    /// Encodes bytes to data codewords (before padding) with the fewest codewords using ASCII and
    /// Base 256 segments. Base 256 codewords are already 255-state randomised.
    /// </summary>
    public static byte[] EncodeData(ReadOnlySpan<byte> data) => EncodeData(data, lastBase256RunsToEnd: false);

    /// <param name="lastBase256RunsToEnd">
    /// Give a final Base 256 field of 250 bytes or more the one-byte length 0, "to the end of the symbol", instead of
    /// its two-byte length: valid only in a symbol whose data capacity the codewords exactly fill.
    /// </param>
    private static byte[] EncodeData(ReadOnlySpan<byte> data, bool lastBase256RunsToEnd)
    {
        int n = data.Length;
        // cost[i]: fewest codewords for data[0..i) ending in ASCII mode.
        var cost = new int[n + 1];
        var from = new int[n + 1];
        var viaBase256 = new bool[n + 1];
        long bestLongStart = long.MaxValue / 2; // min over j <= i-250 of cost[j]-j
        int bestLongIndex = -1;
        for (int i = 1; i <= n; i++)
        {
            byte b = data[i - 1];
            int best = cost[i - 1] + (b >= 128 ? 2 : 1);
            int bestFrom = i - 1;
            bool bestB256 = false;
            if (i >= 2 && IsDigit(data[i - 2]) && IsDigit(b) && cost[i - 2] + 1 < best)
            {
                best = cost[i - 2] + 1;
                bestFrom = i - 2;
            }

            // Base 256 segment data[j..i): latch + length field (1 byte if <= 249, else 2) + bytes.
            for (int j = Math.Max(0, i - 249); j < i; j++)
            {
                int c = cost[j] + 2 + (i - j);
                if (c < best)
                {
                    best = c;
                    bestFrom = j;
                    bestB256 = true;
                }
            }

            if (i - 250 >= 0 && cost[i - 250] - (i - 250) < bestLongStart)
            {
                bestLongStart = cost[i - 250] - (i - 250);
                bestLongIndex = i - 250;
            }

            // A long field has a two-byte length, or (to the end of the symbol) a one-byte 0 when it ends the data.
            int longHeader = lastBase256RunsToEnd && i == n ? 2 : 3;
            if (bestLongIndex >= 0 && bestLongStart + i + longHeader < best)
            {
                best = (int)(bestLongStart + i + longHeader);
                bestFrom = bestLongIndex;
                bestB256 = true;
            }

            cost[i] = best;
            from[i] = bestFrom;
            viaBase256[i] = bestB256;
        }

        var segments = new List<(int Start, int End, bool Base256)>();
        for (int i = n; i > 0; i = from[i])
        {
            segments.Add((from[i], i, viaBase256[i]));
        }

        segments.Reverse();
        var output = new List<byte>(cost[n]);
        for (var segment = 0; segment < segments.Count; segment++)
        {
            var (start, end, base256) = segments[segment];
            if (!base256)
            {
                if (end - start == 2)
                {
                    output.Add((byte)(130 + (data[start] - '0') * 10 + (data[start + 1] - '0')));
                }
                else if (data[start] >= 128)
                {
                    output.Add(UpperShift);
                    output.Add((byte)(data[start] - 127));
                }
                else
                {
                    output.Add((byte)(data[start] + 1));
                }
            }
            else
            {
                output.Add(LatchBase256);
                int length = end - start;
                if (length <= 249)
                {
                    AddRandomised255(output, length);
                }
                else if (lastBase256RunsToEnd && segment == segments.Count - 1)
                {
                    AddRandomised255(output, 0);
                }
                else
                {
                    AddRandomised255(output, (length / 250) + 249);
                    AddRandomised255(output, length % 250);
                }

                for (int k = start; k < end; k++)
                {
                    AddRandomised255(output, data[k]);
                }
            }
        }

        return [.. output];
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static void AddRandomised255(List<byte> output, int value)
    {
        int position = output.Count + 1;
        int pseudo = ((149 * position) % 255) + 1;
        int temp = value + pseudo;
        output.Add((byte)(temp <= 255 ? temp : temp - 256));
    }

    /// <summary>Pads the data codewords to the capacity of <paramref name="size"/> (first pad 129, then 253-state randomised).</summary>
    public static byte[] PadCodewords(ReadOnlySpan<byte> codewords, DataMatrixSize size)
    {
        ArgumentNullException.ThrowIfNull(size);
        var result = new byte[size.DataCodewords];
        codewords.CopyTo(result);
        for (int i = codewords.Length; i < result.Length; i++)
        {
            if (i == codewords.Length)
            {
                result[i] = Pad;
            }
            else
            {
                int position = i + 1;
                int pseudo = ((149 * position) % 253) + 1;
                int temp = Pad + pseudo;
                result[i] = (byte)(temp <= 254 ? temp : temp - 254);
            }
        }

        return result;
    }

    /// <summary>Appends the interleaved Reed–Solomon codewords to the (padded) data codewords.</summary>
    public static byte[] AddErrorCorrection(ReadOnlySpan<byte> data, DataMatrixSize size)
    {
        ArgumentNullException.ThrowIfNull(size);
        if (data.Length != size.DataCodewords)
        {
            throw new ArgumentException($"Expected {size.DataCodewords} data codewords for {size}, got {data.Length}.", nameof(data));
        }

        int blocks = size.InterleavedBlocks;
        int eccPerBlock = size.EccCodewordsPerBlock;
        var result = new byte[size.DataCodewords + size.EccCodewords];
        data.CopyTo(result);
        for (int block = 0; block < blocks; block++)
        {
            var blockData = new List<byte>();
            for (int i = block; i < data.Length; i += blocks)
            {
                blockData.Add(data[i]);
            }

            var ecc = ReedSolomon.Compute([.. blockData], eccPerBlock);
            for (int k = 0; k < eccPerBlock; k++)
            {
                result[size.DataCodewords + block + (k * blocks)] = ecc[k];
            }
        }

        return result;
    }

    private static DataMatrixSymbol Build(byte[] codewords, DataMatrixSize size)
    {
        var all = AddErrorCorrection(PadCodewords(codewords, size), size);
        var mapping = Placement.Place(all, size.MappingRows, size.MappingColumns);
        var modules = new bool[size.Rows, size.Columns];
        int blockRows = size.DataRegionRows + 2;
        int blockCols = size.DataRegionColumns + 2;
        for (int vr = 0; vr < size.VerticalRegions; vr++)
        {
            for (int hr = 0; hr < size.HorizontalRegions; hr++)
            {
                int r0 = vr * blockRows;
                int c0 = hr * blockCols;
                for (int c = 0; c < blockCols; c++)
                {
                    modules[r0, c0 + c] = c % 2 == 0;
                    modules[r0 + blockRows - 1, c0 + c] = true;
                }

                for (int r = 0; r < blockRows; r++)
                {
                    modules[r0 + r, c0] = true;
                    modules[r0 + r, c0 + blockCols - 1] = r % 2 == 1;
                }

                for (int r = 0; r < size.DataRegionRows; r++)
                {
                    for (int c = 0; c < size.DataRegionColumns; c++)
                    {
                        modules[r0 + 1 + r, c0 + 1 + c] =
                            mapping[(vr * size.DataRegionRows) + r, (hr * size.DataRegionColumns) + c];
                    }
                }
            }
        }

        return new DataMatrixSymbol(size, modules, all);
    }
}
