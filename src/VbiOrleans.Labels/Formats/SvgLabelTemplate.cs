using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The page as SVG: width and height in inches, a viewBox in printer dots (so every coordinate is a whole dot),
/// the symbol as one path of run rectangles with crisp edges, and the lines as text in DejaVu Sans. The template is
/// the text up to the print's marks (the root, the white page, the frame's rules and its text group); a label appends
/// its own into a pooled buffer, two-space indented, with the text's XML specials escaped.
/// </summary>
internal sealed class SvgLabelTemplate : LabelTemplate
{
    private readonly byte[] _prefix;

    public SvgLabelTemplate(LabelPage page, LabelFrame frame, LabelFrame shifted)
        : base(frame)
    {
        using var svg = new AsciiBuffer(4 * 1024);
        svg.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<svg version=\"1.1\" width=\"").Append(page.WidthInches)
            .Append("in\" height=\"").Append(page.HeightInches).Append("in\" viewBox=\"0 0 ").Append(page.WidthInches * page.Dpi)
            .Append(' ').Append(page.HeightInches * page.Dpi).Append("\" xmlns=\"http://www.w3.org/2000/svg\">\n");
        svg.Append("  <rect width=\"100%\" height=\"100%\" fill=\"#fff\" />\n");
        AppendRules(svg, shifted.Rules);
        AppendText(svg, shifted.Text);
        _prefix = svg.ToArray();
    }

    public override long Size => _prefix.Length;

    public override byte[] Write(LabelPlan plan, DateOnly date)
    {
        using var svg = new AsciiBuffer(_prefix.Length + (32 * 1024));
        svg.Append(_prefix);
        if (plan.Barcode is { } barcode)
        {
            AppendSymbol(svg, barcode);
        }

        AppendRules(svg, plan.VariableRectangles);
        AppendText(svg, plan.VariableText);
        svg.Append("</svg>");
        return svg.ToArray();
    }

    private static void AppendRules(AsciiBuffer svg, IEnumerable<DotRect> rules)
    {
        foreach (var rule in rules)
        {
            svg.Append("  <rect x=\"").Append(rule.Left).Append("\" y=\"").Append(rule.Top).Append("\" width=\"").Append(rule.Width)
                .Append("\" height=\"").Append(rule.Height).Append("\" fill=\"#000\" shape-rendering=\"crispEdges\" />\n");
        }
    }

    /// <summary>The lines as one group; none, no group.</summary>
    private static void AppendText(AsciiBuffer svg, IReadOnlyList<TextLine> text)
    {
        if (text.Count == 0)
        {
            return;
        }

        svg.Append("  <g font-family=\"'").Append(LabelFonts.FamilyName).Append("', sans-serif\" fill=\"#000\">\n");
        foreach (var line in text)
        {
            svg.Append("    <text x=\"").Append(line.X).Append("\" y=\"").Append(line.Baseline).Append("\" font-size=\"").Append(line.SizeDots).Append('"');
            if (line.Bold)
            {
                svg.Append(" font-weight=\"bold\"");
            }

            svg.Append('>');
            AppendEscaped(svg, line.Text);
            svg.Append("</text>\n");
        }

        svg.Append("  </g>\n");
    }

    /// <summary>The symbol as one path, one closed rectangle per run: <c>M x,y h w v m h -w z</c>, in dots.</summary>
    private static void AppendSymbol(AsciiBuffer svg, BarcodePlacement barcode)
    {
        svg.Append("  <path d=\"");
        int m = barcode.ModuleDots;
        bool first = true;
        foreach (var run in ModuleRun.Of(barcode.Symbol))
        {
            if (!first)
            {
                svg.Append(' ');
            }

            first = false;
            int w = run.Length * m;
            svg.Append('M').Append(barcode.Left + (run.Column * m)).Append(',').Append(barcode.Top + (run.Row * m))
                .Append('h').Append(w).Append('v').Append(m).Append("h-").Append(w).Append('z');
        }

        svg.Append("\" fill=\"#000\" shape-rendering=\"crispEdges\" />\n");
    }

    /// <summary>Text content: the three characters XML reserves there as entities; anything not ASCII (never in validated content) as a character reference.</summary>
    private static void AppendEscaped(AsciiBuffer svg, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '&':
                    svg.Append("&amp;");
                    break;
                case '<':
                    svg.Append("&lt;");
                    break;
                case '>':
                    svg.Append("&gt;");
                    break;
                case < ' ' or > '~':
                    svg.Append("&#x").AppendHex([(byte)(c >> 8), (byte)c]).Append(';');
                    break;
                default:
                    svg.Append(c);
                    break;
            }
        }
    }
}
