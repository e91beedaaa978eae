using System.Buffers;
using System.Buffers.Binary;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// A zlib stream (RFC 1950) of an image's filtered rows, in one deflate block with the fixed Huffman codes
/// (RFC 1951, 3.2.6), made for label pages: a row equal to the row above is one copy at the row's distance (the
/// white rows, the repeated rows of every Data Matrix module and of the IMpb's bars), and inside any other row a
/// run of one byte value is the value then a copy at distance 1. Nothing is searched, so the cost follows the
/// number of runs rather than the number of pixels, and the Adler-32 checksum is computed per run and per distinct
/// row the same way. Any deflate decoder reads the result.
/// </summary>
internal static class RowDeflate
{
    private const int Modulus = 65521;
    private const int MaxMatch = 258;
    private const int MinMatch = 3;

    private static readonly (uint Code, int Bits)[] Literals = BuildLiterals();
    private static readonly (int Symbol, int ExtraBits, int Extra)[] Lengths = BuildLengths();

    private static readonly int[] DistanceBases =
        [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];

    /// <summary>The most bytes <see cref="Compress(ReadOnlySpan{byte}, int, byte[])"/> writes for <paramref name="length"/> bytes of rows.</summary>
    public static int MaxCompressedLength(int length) => (length / 8 * 9) + 64;

    /// <summary>Compresses <paramref name="rows"/> (<paramref name="stride"/> bytes each, the filter byte included) to a zlib stream.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> rows, int stride)
    {
        var output = ArrayPool<byte>.Shared.Rent(MaxCompressedLength(rows.Length));
        try
        {
            return output.AsSpan(0, Compress(rows, stride, output)).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>
    /// Compresses into <paramref name="output"/>, at least <see cref="MaxCompressedLength"/> long; returns the
    /// length of the zlib stream.
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> rows, int stride, byte[] output) => CompressRows(rows, stride, output, null, default);

    /// <summary>
    /// Compresses a page made from <paramref name="template"/>: the rows <paramref name="dirty"/> marks are read from
    /// <paramref name="rows"/>, the others are the template's and are coded from what it prepared (a copy of the row
    /// above, or the row's own codes and sums) without being read. The stream is the one the rows would give whole.
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> rows, int stride, byte[] output, PreparedRows template, ReadOnlySpan<bool> dirty)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Stride != stride || template.Rows.Length != rows.Length || dirty.Length != rows.Length / stride)
        {
            throw new ArgumentException("the page, its template and its dirty rows do not match", nameof(template));
        }

        return CompressRows(rows, stride, output, template, dirty);
    }

    private static int CompressRows(ReadOnlySpan<byte> rows, int stride, byte[] output, PreparedRows? template, ReadOnlySpan<bool> dirty)
    {
        if (stride is < MinMatch or > 32768 || rows.Length % stride != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "rows must be whole, 3 to 32768 bytes long");
        }

        if (output.Length < MaxCompressedLength(rows.Length))
        {
            throw new ArgumentException("the output cannot hold the worst case", nameof(output));
        }

        var bits = new BitWriter(output);
        bits.WriteByte(0x78); // deflate, 32 KiB window
        bits.WriteByte(0x01); // no dictionary, fastest-level flag; (0x78 * 256 + 0x01) % 31 == 0
        bits.Write(0b011, 3); // the last block, fixed Huffman codes

        var rowDistance = Distance(stride);
        long a = 1, b = 0;
        long rowSum = 0, rowWeighted = 0;
        int count = rows.Length / stride;
        for (int y = 0; y < count; y++)
        {
            int start = y * stride;
            bool own = template is null || dirty[y];
            if (!own && y > 0 && !dirty[y - 1])
            {
                // The template's row after the template's row: what the template prepared is what the page has.
                if (template!.SameAsAbove[y])
                {
                    Copy(ref bits, stride, rowDistance);
                    (rowSum, rowWeighted) = template.Sums[y];
                }
                else
                {
                    bits.Append(template.Codes[y]!);
                    (rowSum, rowWeighted) = template.Sums[y];
                }
            }
            else
            {
                var row = own ? rows.Slice(start, stride) : template!.Rows.AsSpan(start, stride);
                var above = y == 0 ? default : template is null || dirty[y - 1] ? rows.Slice(start - stride, stride) : template.Rows.AsSpan(start - stride, stride);
                if (y > 0 && row.SequenceEqual(above))
                {
                    Copy(ref bits, stride, rowDistance);
                }
                else if (!own)
                {
                    bits.Append(template!.Codes[template.Distinct[y]]!);
                    (rowSum, rowWeighted) = template.Sums[y];
                }
                else
                {
                    (rowSum, rowWeighted) = Runs(ref bits, row);
                }
            }

            // Adler-32 over a row whose own sums from zero are (S, W): a += S, b += n*a + W.
            b = (b + (stride * a) + rowWeighted) % Modulus;
            a = (a + rowSum) % Modulus;
        }

        bits.WriteSymbol(Literals[256]); // end of block
        bits.AlignToByte();
        Span<byte> adler = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(adler, (uint)((b << 16) | a));
        foreach (var x in adler)
        {
            bits.WriteByte(x);
        }

        return bits.Length;
    }

    /// <summary>
    /// A template's rows with what compressing them needs, made once: whether each row equals the one above, each
    /// distinct row's codes (its runs, as <see cref="Runs"/> writes them) and every row's Adler sums. A page made from
    /// the template then codes the rows it did not draw on without reading them.
    /// </summary>
    internal sealed class PreparedRows
    {
        public PreparedRows(byte[] rows, int stride)
        {
            Rows = rows;
            Stride = stride;
            int count = rows.Length / stride;
            SameAsAbove = new bool[count];
            Distinct = new int[count];
            Codes = new RowCodes?[count];
            Sums = new (long, long)[count];
            var scratch = ArrayPool<byte>.Shared.Rent(MaxCompressedLength(stride));
            try
            {
                for (int y = 0; y < count; y++)
                {
                    var row = rows.AsSpan(y * stride, stride);
                    if (y > 0 && row.SequenceEqual(rows.AsSpan((y - 1) * stride, stride)))
                    {
                        SameAsAbove[y] = true;
                        Distinct[y] = Distinct[y - 1];
                        Sums[y] = Sums[y - 1];
                        continue;
                    }

                    var bits = new BitWriter(scratch);
                    Sums[y] = Runs(ref bits, row);
                    Codes[y] = bits.Drain();
                    Distinct[y] = y;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        public byte[] Rows { get; }

        public int Stride { get; }

        public bool[] SameAsAbove { get; }

        /// <summary>For each row, the row at or above it whose codes it shares (the first of its equal rows).</summary>
        public int[] Distinct { get; }

        /// <summary>Each distinct row's codes; null for a row equal to the one above.</summary>
        public RowCodes?[] Codes { get; }

        public (long Sum, long Weighted)[] Sums { get; }

        /// <summary>The bytes held besides the rows.</summary>
        public long Size => (Codes.Length * 32L) + Codes.Sum(c => c?.Bytes.Length ?? 0);
    }

    /// <summary>A row's codes: whole bytes, then up to 31 bits more.</summary>
    internal sealed record RowCodes(byte[] Bytes, uint Tail, int TailBits);

    /// <summary>
    /// One row as runs: each run's byte as a literal, the rest of the run as copies at distance 1. Returns the row's
    /// Adler sums from zero (S, the sum of its bytes; W, the sum of each byte times the bytes from it to the row's end), mod 65521.
    /// </summary>
    private static (long Sum, long Weighted) Runs(ref BitWriter bits, ReadOnlySpan<byte> row)
    {
        var one = Distance(1);
        long sum = 0, weighted = 0;
        int n = row.Length;
        int i = 0;
        while (i < n)
        {
            byte value = row[i];
            if (i + 1 == n || row[i + 1] != value)
            {
                // A lone byte (most anti-aliased edge pixels): one literal, weight n - i.
                bits.WriteSymbol(Literals[value]);
                sum += value;
                weighted += (long)value * (n - i);
                i++;
                continue;
            }

            int rest = row[(i + 1)..].IndexOfAnyExcept(value);
            int run = rest < 0 ? n - i : rest + 1;

            bits.WriteSymbol(Literals[value]);
            if (run - 1 >= MinMatch)
            {
                Copy(ref bits, run - 1, one);
            }
            else
            {
                for (int k = 1; k < run; k++)
                {
                    bits.WriteSymbol(Literals[value]);
                }
            }

            // The run's bytes at positions i..i+run-1 each weigh (n - position). A row of at most 32768 bytes
            // keeps both sums far inside a long, so the modulus is taken once per row.
            sum += (long)value * run;
            weighted += value * (((long)run * (n - i)) - ((long)run * (run - 1) / 2));
            i += run;
        }

        return (sum % Modulus, weighted % Modulus);
    }

    /// <summary>Copies of <paramref name="length"/> bytes in pieces of 3 to 258, none left shorter than 3.</summary>
    private static void Copy(ref BitWriter bits, int length, (uint Code, int Bits, int ExtraBits, int Extra) distance)
    {
        while (length > 0)
        {
            int piece = length <= MaxMatch ? length : length - MaxMatch < MinMatch ? length - MinMatch : MaxMatch;
            var (symbol, extraBits, extra) = Lengths[piece];
            bits.WriteSymbol(Literals[symbol]);
            bits.Write((uint)extra, extraBits);
            bits.Write(distance.Code, distance.Bits);
            bits.Write((uint)distance.Extra, distance.ExtraBits);
            length -= piece;
        }
    }

    /// <summary>A distance's fixed 5-bit code (bit-reversed, as Huffman codes are sent) and its extra bits.</summary>
    private static (uint Code, int Bits, int ExtraBits, int Extra) Distance(int distance)
    {
        int code = DistanceBases.Length - 1;
        while (DistanceBases[code] > distance)
        {
            code--;
        }

        return (Reverse((uint)code, 5), 5, Math.Max(0, (code / 2) - 1), distance - DistanceBases[code]);
    }

    /// <summary>The fixed literal/length codes: 0-143 in 8 bits, 144-255 in 9, 256-279 in 7, 280-287 in 8.</summary>
    private static (uint Code, int Bits)[] BuildLiterals()
    {
        var table = new (uint Code, int Bits)[288];
        for (int v = 0; v < 288; v++)
        {
            var (code, length) = v switch
            {
                < 144 => (0x30 + v, 8),
                < 256 => (0x190 + (v - 144), 9),
                < 280 => (v - 256, 7),
                _ => (0xC0 + (v - 280), 8),
            };
            table[v] = (Reverse((uint)code, length), length);
        }

        return table;
    }

    /// <summary>For each copy length 3 to 258: its length symbol (257-285) and extra bits.</summary>
    private static (int Symbol, int ExtraBits, int Extra)[] BuildLengths()
    {
        var table = new (int Symbol, int ExtraBits, int Extra)[MaxMatch + 1];
        int symbol = 257, length = 3;
        for (int extraBits = 0; extraBits <= 5; extraBits++)
        {
            for (int k = 0; k < (extraBits == 0 ? 8 : 4); k++, symbol++)
            {
                for (int extra = 0; extra < (1 << extraBits) && length < MaxMatch; extra++, length++)
                {
                    table[length] = (symbol, extraBits, extra);
                }
            }
        }

        table[MaxMatch] = (285, 0, 0);
        return table;
    }

    private static uint Reverse(uint code, int length)
    {
        uint reversed = 0;
        for (int i = 0; i < length; i++)
        {
            reversed = (reversed << 1) | ((code >> i) & 1);
        }

        return reversed;
    }

    /// <summary>Bits least significant first into a buffer large enough for the worst case (every byte a 9-bit literal).</summary>
    private ref struct BitWriter(byte[] output)
    {
        private ulong _pending;
        private int _pendingBits;

        public int Length { get; private set; }

        public void WriteSymbol((uint Code, int Bits) symbol) => Write(symbol.Code, symbol.Bits);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public void Write(uint value, int count)
        {
            _pending |= (ulong)value << _pendingBits;
            _pendingBits += count;
            if (_pendingBits >= 32)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(Length), (uint)_pending);
                Length += 4;
                _pending >>= 32;
                _pendingBits -= 32;
            }
        }

        /// <summary>Everything written, from a writer that started at bit 0 of an empty buffer.</summary>
        public RowCodes Drain() => new(output.AsSpan(0, Length).ToArray(), (uint)_pending, _pendingBits);

        /// <summary>Codes drained from another writer, at this writer's bit position.</summary>
        public void Append(RowCodes codes)
        {
            var bytes = codes.Bytes.AsSpan();
            while (bytes.Length >= 4)
            {
                Write(BinaryPrimitives.ReadUInt32LittleEndian(bytes), 32);
                bytes = bytes[4..];
            }

            foreach (var x in bytes)
            {
                Write(x, 8);
            }

            if (codes.TailBits > 0)
            {
                Write(codes.Tail, codes.TailBits);
            }
        }

        public void AlignToByte()
        {
            while (_pendingBits > 0)
            {
                output[Length++] = (byte)_pending;
                _pending >>= 8;
                _pendingBits = Math.Max(0, _pendingBits - 8);
            }

            _pending = 0;
        }

        /// <summary>A whole byte; only at a byte boundary (the zlib header and checksum).</summary>
        public void WriteByte(byte value)
        {
            if (_pendingBits != 0)
            {
                throw new InvalidOperationException("a whole byte written between bits");
            }

            output[Length++] = value;
        }
    }
}
