using System.Buffers;
using System.Buffers.Binary;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The page as an 8-bit grayscale PNG, one pixel per printer dot, white background, with a pHYs chunk giving the
/// resolution. The template is the page's rows with the frame drawn (each row a filter byte, 0, none, and the row's
/// pixels) and the file's first chunks; a label copies the rows into a pooled buffer, draws its own marks there and
/// compresses them. Rectangles (the Data Matrix's runs, the rules, the IMpb's bars) are exact runs of black dots
/// written directly; the text lines are drawn anti-aliased by Skia once each and kept (see <see cref="LineRasters"/>).
/// The rows are compressed by <see cref="RowDeflate"/>, which codes a repeated row or a run of one value without
/// searching.
/// </summary>
internal sealed class PngLabelTemplate : LabelTemplate
{
    private const byte White = 0xFF;
    private const byte Black = 0x00;

    /// <summary>Signature, IHDR and pHYs.</summary>
    private const int HeaderLength = 8 + (12 + 13) + (12 + 9);

    private readonly LabelPage _page;
    private readonly RowDeflate.PreparedRows _rows;
    private readonly byte[] _header;

    public PngLabelTemplate(LabelPage page, LabelFrame frame, LabelFrame shifted)
        : base(frame)
    {
        _page = page;
        int stride = page.WidthDots + 1;
        var rows = new byte[stride * page.HeightDots];
        var image = rows.AsSpan();
        image.Fill(White);
        for (int y = 0; y < page.HeightDots; y++)
        {
            image[y * stride] = 0; // filter type: none
        }

        foreach (var rule in shifted.Rules)
        {
            Fill(image, stride, page.WidthDots, page.HeightDots, rule);
        }

        DrawText(image, stride, page, shifted.Text);
        _rows = new RowDeflate.PreparedRows(rows, stride);
        _header = Header(page);
    }

    public override long Size => _rows.Rows.Length + _rows.Size + _header.Length;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// The template's rows the print draws on are copied and drawn on; the rest are coded from the template's
    /// prepared rows without being copied or read (<see cref="RowDeflate.PreparedRows"/>).
    /// </summary>
    public override byte[] Write(LabelPlan plan, DateOnly date)
    {
        int width = _page.WidthDots;
        int height = _page.HeightDots;
        int stride = width + 1;
        var rows = ArrayPool<byte>.Shared.Rent(_rows.Rows.Length);
        var dirty = ArrayPool<bool>.Shared.Rent(height);
        try
        {
            var image = rows.AsSpan(0, _rows.Rows.Length);
            var drawn = dirty.AsSpan(0, height);
            drawn.Clear();
            var barcode = plan.Barcode;
            if (barcode is not null)
            {
                Mark(drawn, barcode.Top, barcode.Height);
            }

            foreach (var rectangle in plan.VariableRectangles)
            {
                Mark(drawn, rectangle.Top, rectangle.Height);
            }

            foreach (var line in plan.VariableText)
            {
                var raster = LineRasters.For(line.Text, line.SizeDots, line.Bold);
                Mark(drawn, line.Baseline + raster.Top, raster.Height);
            }

            for (int y = 0; y < height; y++)
            {
                if (drawn[y])
                {
                    _rows.Rows.AsSpan(y * stride, stride).CopyTo(image.Slice(y * stride, stride));
                }
            }

            if (barcode is not null)
            {
                int m = barcode.ModuleDots;
                foreach (var run in ModuleRun.Of(barcode.Symbol))
                {
                    Fill(image, stride, width, height, new DotRect(barcode.Left + (run.Column * m), barcode.Top + (run.Row * m), barcode.Left + ((run.Column + run.Length) * m), barcode.Top + ((run.Row + 1) * m)));
                }
            }

            foreach (var rectangle in plan.VariableRectangles)
            {
                Fill(image, stride, width, height, rectangle);
            }

            DrawText(image, stride, _page, plan.VariableText);
            return Encode(image, drawn);
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(dirty);
            ArrayPool<byte>.Shared.Return(rows);
        }
    }

    /// <summary>Rows <paramref name="top"/> to top + <paramref name="count"/> drawn on, clipped to the page.</summary>
    private static void Mark(Span<bool> drawn, int top, int count)
    {
        int from = Math.Max(0, top);
        int to = Math.Min(drawn.Length, top + count);
        if (from < to)
        {
            drawn[from..to].Fill(true);
        }
    }

    /// <summary>Black dots in <paramref name="rectangle"/>, clipped to the page.</summary>
    private static void Fill(Span<byte> image, int stride, int width, int height, DotRect rectangle)
    {
        int left = Math.Max(0, rectangle.Left);
        int right = Math.Min(width, rectangle.Right);
        int top = Math.Max(0, rectangle.Top);
        int bottom = Math.Min(height, rectangle.Bottom);
        if (left >= right)
        {
            return;
        }

        for (int y = top; y < bottom; y++)
        {
            image.Slice((y * stride) + 1 + left, right - left).Fill(Black);
        }
    }

    /// <summary>
    /// Each text line from <see cref="LineRasters"/> (drawn by Skia once, anti-aliased, black on white), multiplied
    /// onto the page: on white paper the page takes the line's gray exactly. Clipped to the page.
    /// </summary>
    private static void DrawText(Span<byte> image, int stride, LabelPage page, IEnumerable<TextLine> text)
    {
        foreach (var line in text)
        {
            var raster = LineRasters.For(line.Text, line.SizeDots, line.Bold);
            int left = line.X + raster.Left;
            int top = line.Baseline + raster.Top;
            int fromX = Math.Max(0, -left);
            int toX = Math.Min(raster.Width, page.WidthDots - left);
            int fromY = Math.Max(0, -top);
            int toY = Math.Min(raster.Height, page.HeightDots - top);
            for (int y = fromY; y < toY; y++)
            {
                var source = raster.Gray.AsSpan((y * raster.Width) + fromX, toX - fromX);
                var target = image.Slice(((top + y) * stride) + 1 + left + fromX, toX - fromX);
                for (int x = 0; x < source.Length; x++)
                {
                    int gray = source[x];
                    if (gray != White)
                    {
                        target[x] = (byte)(((target[x] * gray) + 127) / 255);
                    }
                }
            }
        }
    }

    /// <summary>Signature, IHDR (8-bit gray) and pHYs (pixels per metre): the same for every label of the page.</summary>
    private static byte[] Header(LabelPage page)
    {
        var png = new byte[HeaderLength];
        Signature.CopyTo(png);
        int at = Signature.Length;

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, page.WidthDots);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], page.HeightDots);
        header[8] = 8; // bit depth
        header[9] = 0; // colour type: grayscale
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0
        header[12] = 0; // no interlace
        at = WriteChunk(png, at, "IHDR"u8, header);

        // Without a resolution a viewer or driver assumes 72 or 96 dpi and prints the label at the wrong size.
        uint pixelsPerMetre = (uint)Math.Round(page.Dpi / 0.0254, MidpointRounding.AwayFromZero);
        Span<byte> physical = stackalloc byte[9];
        BinaryPrimitives.WriteUInt32BigEndian(physical, pixelsPerMetre);
        BinaryPrimitives.WriteUInt32BigEndian(physical[4..], pixelsPerMetre);
        physical[8] = 1; // unit: metre
        WriteChunk(png, at, "pHYs"u8, physical);
        return png;
    }

    /// <summary>
    /// The template's first chunks, one IDAT of the compressed rows, IEND: compressed into a pooled buffer, then
    /// copied once into the file's array.
    /// </summary>
    private byte[] Encode(ReadOnlySpan<byte> rows, ReadOnlySpan<bool> drawn)
    {
        var compressed = ArrayPool<byte>.Shared.Rent(RowDeflate.MaxCompressedLength(rows.Length));
        try
        {
            int idatLength = RowDeflate.Compress(rows, _rows.Stride, compressed, _rows, drawn);
            var png = new byte[HeaderLength + (12 + idatLength) + 12];
            _header.CopyTo(png, 0);
            int at = WriteChunk(png, HeaderLength, "IDAT"u8, compressed.AsSpan(0, idatLength));
            WriteChunk(png, at, "IEND"u8, []);
            return png;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    /// <summary>Length, type, data and CRC at <paramref name="at"/>; returns the offset after the chunk.</summary>
    private static int WriteChunk(byte[] png, int at, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(at), data.Length);
        type.CopyTo(png.AsSpan(at + 4));
        data.CopyTo(png.AsSpan(at + 8));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(at + 8 + data.Length), Crc32.Compute(data, Crc32.Compute(type)));
        return at + 12 + data.Length;
    }

    /// <summary>CRC-32 (ISO-HDLC), as PNG chunks use it, over the chunk's type and then its data; eight bytes a step (slicing by 8).</summary>
    private static class Crc32
    {
        private static readonly uint[][] Tables = BuildTables();

        /// <summary>The CRC of <paramref name="data"/>, continuing from a previous result (0 to start).</summary>
        public static uint Compute(ReadOnlySpan<byte> data, uint previous = 0)
        {
            var t = Tables;
            uint crc = previous ^ 0xFFFFFFFF;
            while (data.Length >= 8)
            {
                uint low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
                uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
                crc = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^ t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24]
                    ^ t[3][high & 0xFF] ^ t[2][(high >> 8) & 0xFF] ^ t[1][(high >> 16) & 0xFF] ^ t[0][high >> 24];
                data = data[8..];
            }

            foreach (var b in data)
            {
                crc = t[0][(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return crc ^ 0xFFFFFFFF;
        }

        /// <summary>Table k gives the CRC of a byte followed by k zero bytes.</summary>
        private static uint[][] BuildTables()
        {
            var tables = new uint[8][];
            tables[0] = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }

                tables[0][n] = c;
            }

            for (int k = 1; k < 8; k++)
            {
                tables[k] = new uint[256];
                for (int n = 0; n < 256; n++)
                {
                    uint previous = tables[k - 1][n];
                    tables[k][n] = tables[0][previous & 0xFF] ^ (previous >> 8);
                }
            }

            return tables;
        }
    }
}
