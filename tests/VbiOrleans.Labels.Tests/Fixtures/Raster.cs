using System.Globalization;
using SkiaSharp;

namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>A decoded image as 8-bit gray levels (0 black, 255 white), row-major.</summary>
internal sealed class Raster
{
    private readonly byte[] _gray;

    private Raster(int width, int height, byte[] gray)
    {
        Width = width;
        Height = height;
        _gray = gray;
    }

    public int Width { get; }

    public int Height { get; }

    public byte this[int x, int y] => _gray[(y * Width) + x];

    public static Raster FromPng(byte[] png)
    {
        using var decoded = SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a decodable image");
        if (decoded.ColorType == SKColorType.Gray8)
        {
            return new Raster(decoded.Width, decoded.Height, decoded.Bytes);
        }

        using var gray = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(gray))
        {
            canvas.DrawBitmap(decoded, 0, 0);
        }

        return new Raster(decoded.Width, decoded.Height, gray.Bytes);
    }

    public static Raster FromFile(string path) => FromPng(File.ReadAllBytes(path));

    /// <summary>Writes the rectangle (clipped to the image) as a binary PGM for the command-line decoders.</summary>
    public string SavePgm(string name, int left = 0, int top = 0, int right = int.MaxValue, int bottom = int.MaxValue)
    {
        left = Math.Max(0, left);
        top = Math.Max(0, top);
        right = Math.Min(Width, right);
        bottom = Math.Min(Height, bottom);
        var path = Tools.TempFile(name + ".pgm");
        using var file = File.Create(path);
        file.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P5\n{right - left} {bottom - top}\n255\n")));
        for (int y = top; y < bottom; y++)
        {
            file.Write(_gray.AsSpan((y * Width) + left, right - left));
        }

        return path;
    }

    /// <summary>The pixels darker than white inside the rectangle, at most <paramref name="limit"/> of them.</summary>
    public List<(int X, int Y, byte Gray)> InkIn(int left, int top, int right, int bottom, int limit = 10)
    {
        var ink = new List<(int, int, byte)>();
        for (int y = Math.Max(0, top); y < Math.Min(Height, bottom) && ink.Count < limit; y++)
        {
            for (int x = Math.Max(0, left); x < Math.Min(Width, right) && ink.Count < limit; x++)
            {
                if (this[x, y] != 255)
                {
                    ink.Add((x, y, this[x, y]));
                }
            }
        }

        return ink;
    }
}
