using System.Globalization;
using System.Text;
using System.Xml;
using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The page as SVG: width and height in inches, a viewBox in printer dots (so every coordinate is a whole dot),
/// the symbol as one path of run rectangles with crisp edges, and the lines as text in DejaVu Sans.
/// </summary>
internal static class SvgLabelWriter
{
    private const string Namespace = "http://www.w3.org/2000/svg";

    public static byte[] Write(LabelPlan plan)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
        };
        using var stream = new MemoryStream();
        using (var xml = XmlWriter.Create(stream, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("svg", Namespace);
            xml.WriteAttributeString("version", "1.1");
            xml.WriteAttributeString("width", Number(plan.WidthInches) + "in");
            xml.WriteAttributeString("height", Number(plan.HeightInches) + "in");
            xml.WriteAttributeString("viewBox", $"0 0 {Number(plan.WidthInches * plan.Dpi)} {Number(plan.HeightInches * plan.Dpi)}");

            xml.WriteStartElement("rect", Namespace);
            xml.WriteAttributeString("width", "100%");
            xml.WriteAttributeString("height", "100%");
            xml.WriteAttributeString("fill", "#fff");
            xml.WriteEndElement();

            xml.WriteStartElement("path", Namespace);
            xml.WriteAttributeString("d", BarcodePath(plan.Barcode));
            xml.WriteAttributeString("fill", "#000");
            xml.WriteAttributeString("shape-rendering", "crispEdges");
            xml.WriteEndElement();

            foreach (var rule in plan.Rectangles)
            {
                xml.WriteStartElement("rect", Namespace);
                xml.WriteAttributeString("x", Number(rule.Left));
                xml.WriteAttributeString("y", Number(rule.Top));
                xml.WriteAttributeString("width", Number(rule.Width));
                xml.WriteAttributeString("height", Number(rule.Height));
                xml.WriteAttributeString("fill", "#000");
                xml.WriteAttributeString("shape-rendering", "crispEdges");
                xml.WriteEndElement();
            }

            xml.WriteStartElement("g", Namespace);
            xml.WriteAttributeString("font-family", $"'{LabelFonts.FamilyName}', sans-serif");
            xml.WriteAttributeString("fill", "#000");
            foreach (var line in plan.Text)
            {
                xml.WriteStartElement("text", Namespace);
                xml.WriteAttributeString("x", Number(line.X));
                xml.WriteAttributeString("y", Number(line.Baseline));
                xml.WriteAttributeString("font-size", Number(line.SizeDots));
                if (line.Bold)
                {
                    xml.WriteAttributeString("font-weight", "bold");
                }

                xml.WriteString(line.Text);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return stream.ToArray();
    }

    /// <summary>One closed rectangle per run: <c>M x,y h w v m h -w z</c>, in dots.</summary>
    private static string BarcodePath(BarcodePlacement barcode)
    {
        var d = new StringBuilder();
        int m = barcode.ModuleDots;
        foreach (var run in ModuleRun.Of(barcode.Symbol))
        {
            int x = barcode.Left + (run.Column * m);
            int y = barcode.Top + (run.Row * m);
            int w = run.Length * m;
            if (d.Length > 0)
            {
                d.Append(' ');
            }

            d.Append(CultureInfo.InvariantCulture, $"M{x},{y}h{w}v{m}h-{w}z");
        }

        return d.ToString();
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
