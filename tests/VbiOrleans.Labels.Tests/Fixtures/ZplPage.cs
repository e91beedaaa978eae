using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>
/// A small ZPL reader for the tests: rebuilds the page's dots from the graphic fields (<c>^GFA</c>) and boxes
/// (<c>^GB</c>) as a printer would place them (field origin plus label home), and ignores text, which only the
/// printer's own font can draw. Written from the ZPL II manual's description, not from our writer.
/// </summary>
internal static partial class ZplPage
{
    /// <summary>The page as a binary PGM (black dots 0, white 255); returns its path.</summary>
    public static string ToPgm(byte[] zplBytes, string name)
    {
        var zpl = Encoding.ASCII.GetString(zplBytes);
        int width = Int(Single(PrintWidth(), zpl), "w");
        int height = Int(Single(LabelLength(), zpl), "h");
        var home = LabelHome().Match(zpl);
        int homeX = home.Success ? Int(home, "x") : 0, homeY = home.Success ? Int(home, "y") : 0;
        var dots = new byte[width * height];
        Array.Fill(dots, (byte)255);

        void Black(int x, int y)
        {
            if (x >= 0 && y >= 0 && x < width && y < height)
            {
                dots[(y * width) + x] = 0;
            }
        }

        foreach (Match field in GraphicField().Matches(zpl))
        {
            int x0 = homeX + Int(field, "x"), y0 = homeY + Int(field, "y");
            int total = Int(field, "total"), perRow = Int(field, "perRow");
            var data = Convert.FromHexString(field.Groups["hex"].Value);
            Assert.Equal(total, data.Length);
            for (int i = 0; i < data.Length * 8; i++)
            {
                if ((data[i / 8] & (0x80 >> (i % 8))) != 0)
                {
                    int row = i / (perRow * 8), column = i % (perRow * 8);
                    Black(x0 + column, y0 + row);
                }
            }
        }

        foreach (Match box in GraphicBox().Matches(zpl))
        {
            int x0 = homeX + Int(box, "x"), y0 = homeY + Int(box, "y");
            int t = Int(box, "t");
            int w = Math.Max(Int(box, "w"), t), h = Math.Max(Int(box, "h"), t);

            // A box is its border of thickness t; a border at least half the smaller side fills it.
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    if (x < t || y < t || x >= w - t || y >= h - t)
                    {
                        Black(x0 + x, y0 + y);
                    }
                }
            }
        }

        var path = Tools.TempFile(name + ".pgm");
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P5\n{width} {height}\n255\n")));
        file.Write(dots);
        return path;
    }

    private static Match Single(Regex regex, string zpl)
    {
        var matches = regex.Matches(zpl);
        Assert.True(matches.Count == 1, $"{regex} matched {matches.Count} times");
        return matches[0];
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\^PW(?<w>\d+)")]
    private static partial Regex PrintWidth();

    [GeneratedRegex(@"\^LL(?<h>\d+)")]
    private static partial Regex LabelLength();

    [GeneratedRegex(@"\^LH(?<x>\d+),(?<y>\d+)")]
    private static partial Regex LabelHome();

    [GeneratedRegex(@"\^FO(?<x>-?\d+),(?<y>-?\d+)\^GFA,(?<total>\d+),\d+,(?<perRow>\d+),(?<hex>[0-9A-F]+)\^FS")]
    private static partial Regex GraphicField();

    [GeneratedRegex(@"\^FO(?<x>-?\d+),(?<y>-?\d+)\^GB(?<w>\d+),(?<h>\d+),(?<t>\d+)\^FS")]
    private static partial Regex GraphicBox();
}
