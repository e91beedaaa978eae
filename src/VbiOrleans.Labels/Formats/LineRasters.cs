using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using SkiaSharp;
using VbiOrleans.Labels.Fonts;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// Text lines rasterized once, for the PNG writer: most of a label's lines recur from print to print (the banner,
/// "SHIP TO:", "POSTAGE", the mail class, the date, the origin, the device id, the sender), so each line is drawn
/// by Skia the first time and only copied afterwards. A line's raster does not depend on where it goes: lines start
/// on a whole dot, so the glyphs' sub-dot positions are the same everywhere. Bounded by the pixels it holds; when
/// full it is emptied and fills again with the lines in use.
/// </summary>
internal static class LineRasters
{
    /// <summary>Pixels kept at most (8 MiB of gray: some thousand address lines at 203 dpi).</summary>
    public const long MaxCachedPixels = 8L * 1024 * 1024;

    /// <summary>Dots added around a line's measured ink, for the anti-aliased edge.</summary>
    private const int InkMargin = 2;

    private static readonly ConcurrentDictionary<(string Text, float Size, bool Bold), LineRaster> Cache = new();
    private static long _cachedPixels;

    /// <summary>The line drawn black on white: gray pixels in a box whose corner is (Left, Top) from the line's origin.</summary>
    internal sealed record LineRaster(int Left, int Top, int Width, int Height, byte[] Gray);

    public static LineRaster For(string text, float sizeDots, bool bold)
    {
        var key = (text, sizeDots, bold);
        if (Cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var raster = Draw(text, sizeDots, bold);
        if (Interlocked.Add(ref _cachedPixels, raster.Gray.Length) > MaxCachedPixels)
        {
            Cache.Clear();
            Interlocked.Exchange(ref _cachedPixels, raster.Gray.Length);
        }

        return Cache.GetOrAdd(key, raster);
    }

    /// <summary>
    /// Skia draws the line, anti-aliased, into a 32-bit surface (its blitters are many times faster into 32-bit
    /// pixels than into 8-bit gray); black on white has R = G = B, so the green channel is the gray.
    /// </summary>
    private static LineRaster Draw(string text, float sizeDots, bool bold)
    {
        using var font = LabelFonts.Font(bold, sizeDots);
        font.MeasureText(text, out var ink);
        int left = (int)Math.Floor(ink.Left) - InkMargin;
        int top = (int)Math.Floor(ink.Top) - InkMargin;
        int width = Math.Max(1, (int)Math.Ceiling(ink.Right) + InkMargin - left);
        int height = Math.Max(1, (int)Math.Ceiling(ink.Bottom) + InkMargin - top);
        int rowBytes = width * 4;
        var scratch = ArrayPool<byte>.Shared.Rent(rowBytes * height);
        var pinned = GCHandle.Alloc(scratch, GCHandleType.Pinned);
        try
        {
            var pixels = scratch.AsSpan(0, rowBytes * height);
            pixels.Fill(0xFF);
            var info = new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul);
            using (var surface = SKSurface.Create(info, pinned.AddrOfPinnedObject(), rowBytes)
                ?? throw new InvalidOperationException("SkiaSharp could not draw a label's text line."))
            {
                using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
                surface.Canvas.DrawText(text, -left, -top, SKTextAlign.Left, font, paint);
                surface.Canvas.Flush();
            }

            var gray = new byte[width * height];
            for (int i = 0; i < gray.Length; i++)
            {
                gray[i] = pixels[(4 * i) + 1];
            }

            return new LineRaster(left, top, width, height, gray);
        }
        finally
        {
            pinned.Free();
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
