using System.Globalization;
using System.Text;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The label in ZPL II. The symbol is our encoder's module matrix sent as a graphic field (<c>^GFA</c>, one bit
/// per dot, rows of whole bytes) rather than the printer's own <c>^BX</c>, so the printed symbol is exactly ours.
/// Text uses the printer's scalable font 0 positioned at its baseline (<c>^FT</c>); the calibration shift is the
/// label home (<c>^LH</c>), which takes only non-negative values, so a negative shift is already in the plan.
/// </summary>
internal static class ZplLabelWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static byte[] Write(LabelPlan plan)
    {
        var zpl = new StringBuilder();
        zpl.Append("^XA\n");
        zpl.Append("^CI28\n"); // field data is UTF-8; we send ASCII only, escaped with ^FH
        zpl.Append(Invariant, $"^PW{plan.WidthDots}\n");
        zpl.Append(Invariant, $"^LL{plan.HeightDots}\n");
        zpl.Append(Invariant, $"^LH{plan.PrinterHome.X},{plan.PrinterHome.Y}\n");

        var barcode = plan.Barcode;
        var (bytesPerRow, rows, hex) = GraphicField(barcode);
        zpl.Append(Invariant, $"^FO{barcode.Left},{barcode.Top}^GFA,{bytesPerRow * rows},{bytesPerRow * rows},{bytesPerRow},{hex}^FS\n");

        foreach (var rule in plan.Rectangles)
        {
            zpl.Append(Invariant, $"^FO{rule.Left},{rule.Top}^GB{rule.Width},{rule.Height},{Math.Min(rule.Width, rule.Height)}^FS\n");
        }

        foreach (var text in plan.Text)
        {
            int size = (int)Math.Round(text.SizeDots, MidpointRounding.AwayFromZero);
            zpl.Append(Invariant, $"^FT{text.X},{text.Baseline}^A0N,{size},{size}^FH^FD{Escape(text.Text)}^FS\n");
        }

        zpl.Append("^XZ\n");
        return Encoding.ASCII.GetBytes(zpl.ToString());
    }

    /// <summary>
    /// The symbol scaled to whole dots: <paramref name="barcode"/>.ModuleDots rows and columns of dots per module,
    /// most significant bit first, a set bit printing black, each row padded to a whole byte.
    /// </summary>
    internal static (int BytesPerRow, int Rows, string Hex) GraphicField(BarcodePlacement barcode)
    {
        int m = barcode.ModuleDots;
        int widthDots = barcode.Width;
        int bytesPerRow = (widthDots + 7) / 8;
        int rows = barcode.Height;
        var row = new byte[bytesPerRow];
        var hex = new StringBuilder(bytesPerRow * rows * 2);
        for (int y = 0; y < rows; y++)
        {
            Array.Clear(row);
            for (int x = 0; x < widthDots; x++)
            {
                if (barcode.Symbol[y / m, x / m])
                {
                    row[x / 8] |= (byte)(0x80 >> (x % 8));
                }
            }

            hex.Append(Convert.ToHexString(row));
        }

        return (bytesPerRow, rows, hex.ToString());
    }

    /// <summary>With ^FH, <c>_</c> plus two hex digits is a byte: the caret, tilde and underscore must go that way.</summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is (byte)'^' or (byte)'~' or (byte)'_' or < 0x20 or > 0x7E)
            {
                escaped.Append(CultureInfo.InvariantCulture, $"_{b:X2}");
            }
            else
            {
                escaped.Append((char)b);
            }
        }

        return escaped.ToString();
    }

}
