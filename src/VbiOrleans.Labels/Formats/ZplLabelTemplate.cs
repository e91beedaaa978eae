using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The label in ZPL II. The symbol is our encoder's module matrix sent as a graphic field (<c>^GFA</c>, one bit
/// per dot, rows of whole bytes) rather than the printer's own <c>^BX</c>, so the printed symbol is exactly ours.
/// Text uses the printer's scalable font 0 positioned at its baseline (<c>^FT</c>); the calibration shift is the
/// label home (<c>^LH</c>), which takes only non-negative values, so a negative shift is already in the plan.
/// The template is the format up to the print's fields (the page, the home, the frame's boxes and text); a label
/// appends its own into a pooled buffer; each symbol row's hexadecimal is made once and repeated for its dots.
/// </summary>
internal sealed class ZplLabelTemplate : LabelTemplate
{
    private readonly byte[] _prefix;

    public ZplLabelTemplate(LabelPage page, (int X, int Y) home, LabelFrame frame, LabelFrame shifted)
        : base(frame)
    {
        using var zpl = new AsciiBuffer(4 * 1024);
        zpl.Append("^XA\n");
        zpl.Append("^CI28\n"); // field data is UTF-8; we send ASCII only, escaped with ^FH
        zpl.Append("^PW").Append(page.WidthDots).Append('\n');
        zpl.Append("^LL").Append(page.HeightDots).Append('\n');
        zpl.Append("^LH").Append(home.X).Append(',').Append(home.Y).Append('\n');
        AppendBoxes(zpl, shifted.Rules);
        AppendText(zpl, shifted.Text);
        _prefix = zpl.ToArray();
    }

    public override long Size => _prefix.Length;

    public override byte[] Write(LabelPlan plan, DateOnly date)
    {
        using var zpl = new AsciiBuffer(_prefix.Length + (32 * 1024));
        zpl.Append(_prefix);
        if (plan.Barcode is { } barcode)
        {
            int bytesPerRow = (barcode.Width + 7) / 8;
            int total = bytesPerRow * barcode.Height;
            zpl.Append("^FO").Append(barcode.Left).Append(',').Append(barcode.Top)
                .Append("^GFA,").Append(total).Append(',').Append(total).Append(',').Append(bytesPerRow).Append(',');
            AppendGraphicField(zpl, barcode);
            zpl.Append("^FS\n");
        }

        AppendBoxes(zpl, plan.VariableRectangles);
        AppendText(zpl, plan.VariableText);
        zpl.Append("^XZ\n");
        return zpl.ToArray();
    }

    private static void AppendBoxes(AsciiBuffer zpl, IEnumerable<DotRect> rules)
    {
        foreach (var rule in rules)
        {
            zpl.Append("^FO").Append(rule.Left).Append(',').Append(rule.Top)
                .Append("^GB").Append(rule.Width).Append(',').Append(rule.Height).Append(',').Append(Math.Min(rule.Width, rule.Height)).Append("^FS\n");
        }
    }

    private static void AppendText(AsciiBuffer zpl, IEnumerable<TextLine> text)
    {
        foreach (var line in text)
        {
            int size = (int)Math.Round(line.SizeDots, MidpointRounding.AwayFromZero);
            zpl.Append("^FT").Append(line.X).Append(',').Append(line.Baseline)
                .Append("^A0N,").Append(size).Append(',').Append(size).Append("^FH^FD");
            AppendEscaped(zpl, line.Text);
            zpl.Append("^FS\n");
        }
    }

    /// <summary>
    /// The symbol scaled to whole dots: ModuleDots rows and columns of dots per module, most significant bit first,
    /// a set bit printing black, each row padded to a whole byte, in upper-case hexadecimal.
    /// </summary>
    private static void AppendGraphicField(AsciiBuffer zpl, BarcodePlacement barcode)
    {
        int m = barcode.ModuleDots;
        int widthDots = barcode.Width;
        Span<byte> row = stackalloc byte[(widthDots + 7) / 8];
        for (int r = 0; r < barcode.Symbol.Rows; r++)
        {
            row.Clear();
            for (int c = 0; c < barcode.Symbol.Columns; c++)
            {
                if (!barcode.Symbol[r, c])
                {
                    continue;
                }

                for (int x = c * m; x < (c + 1) * m; x++)
                {
                    row[x / 8] |= (byte)(0x80 >> (x % 8));
                }
            }

            // The first dot row of the module row is written; its m - 1 copies repeat those bytes.
            int rowStart = zpl.Length;
            zpl.AppendHex(row);
            for (int copy = 1; copy < m; copy++)
            {
                zpl.AppendCopy(rowStart, row.Length * 2);
            }
        }
    }

    /// <summary>With ^FH, <c>_</c> plus two hex digits is a byte: the caret, tilde and underscore must go that way.</summary>
    private static void AppendEscaped(AsciiBuffer zpl, string text)
    {
        Span<byte> one = stackalloc byte[4];
        foreach (var c in text)
        {
            if (c is '^' or '~' or '_' or < ' ' or > '~')
            {
                // UTF-8, one escape per byte (validated content is printable ASCII, so only the three specials come here).
                int count = System.Text.Encoding.UTF8.GetBytes([c], one);
                foreach (var b in one[..count])
                {
                    zpl.Append('_').AppendHex([b]);
                }
            }
            else
            {
                zpl.Append(c);
            }
        }
    }
}
