using System.Buffers.Binary;
using SkiaSharp;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The page as an 8-bit grayscale PNG, one pixel per printer dot, white background. Modules are whole-dot black
/// rectangles drawn without anti-aliasing, so the symbol has exactly two colours; text is anti-aliased.
/// </summary>
internal static class PngLabelWriter
{
    public static byte[] Write(LabelPlan plan)
    {
        var info = new SKImageInfo(plan.WidthDots, plan.HeightDots, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var solid = new SKPaint { Color = SKColors.Black, IsAntialias = false, Style = SKPaintStyle.Fill };
            var barcode = plan.Barcode;
            foreach (var run in ModuleRun.Of(barcode.Symbol))
            {
                canvas.DrawRect(
                    SKRect.Create(
                        barcode.Left + (run.Column * barcode.ModuleDots),
                        barcode.Top + (run.Row * barcode.ModuleDots),
                        run.Length * barcode.ModuleDots,
                        barcode.ModuleDots),
                    solid);
            }

            foreach (var rule in plan.Rectangles)
            {
                canvas.DrawRect(SKRect.Create(rule.Left, rule.Top, rule.Width, rule.Height), solid);
            }

            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            foreach (var line in plan.Text)
            {
                using var font = LabelFonts.Font(line.Bold, line.SizeDots);
                canvas.DrawText(line.Text, line.X, line.Baseline, SKTextAlign.Left, font, ink);
            }
        }

        using var pixmap = bitmap.PeekPixels();
        using var encoded = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, zLibLevel: 9))
            ?? throw new InvalidOperationException("SkiaSharp could not encode the label as PNG.");
        return WithResolution(encoded.ToArray(), plan.Dpi);
    }

    /// <summary>
    /// Adds a pHYs chunk (pixels per metre) right after IHDR. Skia's PNG encoder writes no resolution, and without
    /// one a viewer or driver assumes 72 or 96 dpi and prints the label at the wrong size.
    /// </summary>
    internal static byte[] WithResolution(byte[] png, int dpi)
    {
        const int ihdrEnd = 8 + 4 + 4 + 13 + 4; // signature, then IHDR: length, type, 13 data bytes, CRC
        if (png.Length < ihdrEnd || png[12] != (byte)'I' || png[13] != (byte)'H' || png[14] != (byte)'D' || png[15] != (byte)'R')
        {
            throw new InvalidOperationException("SkiaSharp's PNG does not start with IHDR.");
        }

        uint pixelsPerMetre = (uint)Math.Round(dpi / 0.0254, MidpointRounding.AwayFromZero);
        var chunk = new byte[4 + 4 + 9 + 4];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, 9);
        "pHYs"u8.CopyTo(chunk.AsSpan(4));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8), pixelsPerMetre);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(12), pixelsPerMetre);
        chunk[16] = 1; // unit: metre
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(17), Crc32.Compute(chunk.AsSpan(4, 4 + 9)));

        var result = new byte[png.Length + chunk.Length];
        png.AsSpan(0, ihdrEnd).CopyTo(result);
        chunk.CopyTo(result, ihdrEnd);
        png.AsSpan(ihdrEnd).CopyTo(result.AsSpan(ihdrEnd + chunk.Length));
        return result;
    }

    /// <summary>CRC-32 (ISO-HDLC), as PNG chunks use it.</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            uint crc = 0xFFFFFFFF;
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
