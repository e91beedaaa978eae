using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SkiaSharp;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The page as an 8-bit grayscale PNG, one pixel per printer dot, white background, with a pHYs chunk giving the
/// resolution. The image is drawn straight into the buffer the encoder compresses: each row is a filter byte (0,
/// none) and the row's pixels, so the rows need no copy. Rectangles (the Data Matrix's runs, the rules, the IMpb's
/// bars) are exact runs of black dots written directly; the text lines are drawn anti-aliased by Skia into the same
/// memory (Skia keeps each glyph's rasterization in its glyph cache). The rows are compressed by
/// <see cref="RowDeflate"/>, which codes a repeated row or a run of one value without searching.
/// </summary>
internal static class PngLabelWriter
{
    private const byte White = 0xFF;
    private const byte Black = 0x00;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Write(LabelPlan plan)
    {
        int width = plan.WidthDots;
        int height = plan.HeightDots;
        int stride = width + 1;
        int size = stride * height;
        var rows = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var image = rows.AsSpan(0, size);
            image.Fill(White);
            for (int y = 0; y < height; y++)
            {
                image[y * stride] = 0; // filter type: none
            }

            var barcode = plan.Barcode;
            int m = barcode.ModuleDots;
            foreach (var run in ModuleRun.Of(barcode.Symbol))
            {
                Fill(image, stride, width, height, new DotRect(barcode.Left + (run.Column * m), barcode.Top + (run.Row * m), barcode.Left + ((run.Column + run.Length) * m), barcode.Top + ((run.Row + 1) * m)));
            }

            foreach (var rectangle in plan.Rectangles)
            {
                Fill(image, stride, width, height, rectangle);
            }

            DrawText(rows, stride, plan);
            return Encode(image, width, height, plan.Dpi);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rows);
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

    /// <summary>The text lines, drawn by Skia on a surface over the rows' pixels (after each row's filter byte).</summary>
    private static void DrawText(byte[] rows, int stride, LabelPlan plan)
    {
        var info = new SKImageInfo(plan.WidthDots, plan.HeightDots, SKColorType.Gray8, SKAlphaType.Opaque);
        var pinned = GCHandle.Alloc(rows, GCHandleType.Pinned);
        try
        {
            using var surface = SKSurface.Create(info, pinned.AddrOfPinnedObject() + 1, stride)
                ?? throw new InvalidOperationException("SkiaSharp could not draw on the label's pixels.");
            var canvas = surface.Canvas;
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            foreach (var line in plan.Text)
            {
                using var font = LabelFonts.Font(line.Bold, line.SizeDots);
                canvas.DrawText(line.Text, line.X, line.Baseline, SKTextAlign.Left, font, ink);
            }

            canvas.Flush();
        }
        finally
        {
            pinned.Free();
        }
    }

    /// <summary>Signature, IHDR (8-bit gray), pHYs (pixels per metre), one IDAT of the compressed rows, IEND.</summary>
    private static byte[] Encode(ReadOnlySpan<byte> rows, int width, int height, int dpi)
    {
        using var png = new MemoryStream(64 * 1024);
        png.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 0; // colour type: grayscale
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0
        header[12] = 0; // no interlace
        WriteChunk(png, "IHDR"u8, header);

        // Without a resolution a viewer or driver assumes 72 or 96 dpi and prints the label at the wrong size.
        uint pixelsPerMetre = (uint)Math.Round(dpi / 0.0254, MidpointRounding.AwayFromZero);
        Span<byte> physical = stackalloc byte[9];
        BinaryPrimitives.WriteUInt32BigEndian(physical, pixelsPerMetre);
        BinaryPrimitives.WriteUInt32BigEndian(physical[4..], pixelsPerMetre);
        physical[8] = 1; // unit: metre
        WriteChunk(png, "pHYs"u8, physical);

        WriteChunk(png, "IDAT"u8, RowDeflate.Compress(rows, width + 1));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(data, Crc32.Compute(type)));
        png.Write(word);
    }

    /// <summary>CRC-32 (ISO-HDLC), as PNG chunks use it, over the chunk's type and then its data.</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        /// <summary>The CRC of <paramref name="data"/>, continuing from a previous result (0 to start).</summary>
        public static uint Compute(ReadOnlySpan<byte> data, uint previous = 0)
        {
            uint crc = previous ^ 0xFFFFFFFF;
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return crc ^ 0xFFFFFFFF;
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}
