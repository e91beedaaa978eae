using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VbiOrleans.DataMatrix;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>The SVG is well-formed, sized in inches over a viewBox in dots, and its path is exactly the symbol.</summary>
public partial class SvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Theory]
    [InlineData(LabelLayout.Label4x6, 203, "4in", "6in", "0 0 812 1218")]
    [InlineData(LabelLayout.Label4x6, 300, "4in", "6in", "0 0 1200 1800")]
    [InlineData(LabelLayout.Envelope10, 203, "9.5in", "4.125in", "0 0 1928.5 837.375")]
    [InlineData(LabelLayout.Envelope10, 300, "9.5in", "4.125in", "0 0 2850 1237.5")]
    public void DimensionsAreInchesOverAViewBoxInDots(LabelLayout layout, int dpi, string width, string height, string viewBox)
    {
        var svg = Parse(TestRendering.Render(SampleLabels.Fixed, LabelFormat.Svg, layout, dpi).Bytes);

        Assert.Equal(Svg + "svg", svg.Root!.Name);
        Assert.Equal(width, (string?)svg.Root.Attribute("width"));
        Assert.Equal(height, (string?)svg.Root.Attribute("height"));
        Assert.Equal(viewBox, (string?)svg.Root.Attribute("viewBox"));
    }

    [Theory]
    [InlineData(LabelLayout.Label4x6, 203)]
    [InlineData(LabelLayout.Label4x6, 300)]
    [InlineData(LabelLayout.Envelope10, 203)]
    [InlineData(LabelLayout.Envelope10, 300)]
    public void ThePathReproducesTheModuleMatrixExactly(LabelLayout layout, int dpi)
    {
        foreach (var length in new[] { 120, 160, 200 })
        {
            var indicium = SampleLabels.Bytes(length * dpi, length);
            var svg = Parse(TestRendering.Render(SampleLabels.WithIndicium(indicium), LabelFormat.Svg, layout, dpi).Bytes);
            var path = Assert.Single(svg.Descendants(Svg + "path"));
            Assert.Equal("crispEdges", (string?)path.Attribute("shape-rendering"));

            var rectangles = ParsePath((string)path.Attribute("d")!);
            var expected = DataMatrixEncoder.Encode(indicium);
            int module = dpi == 203 ? 4 : 6;
            int left = rectangles.Min(r => r.X);
            int top = rectangles.Min(r => r.Y);

            // Every rectangle is one run: one module high, on the module grid, never overlapping another.
            var dark = new HashSet<(int X, int Y)>();
            foreach (var (x, y, w, h) in rectangles)
            {
                Assert.Equal(module, h);
                Assert.True((x - left) % module == 0 && (y - top) % module == 0 && w % module == 0, $"rectangle {x},{y} {w}x{h} is off the module grid");
                for (int dx = 0; dx < w; dx++)
                {
                    for (int dy = 0; dy < h; dy++)
                    {
                        Assert.True(dark.Add((x + dx, y + dy)), $"rectangles overlap at ({x + dx}, {y + dy})");
                    }
                }
            }

            var modules = ModuleGrid.Read((x, y) => dark.Contains((x, y)), left, top, expected.Rows, expected.Columns, module);
            ModuleGrid.AssertEqual(expected, modules);

            // Runs are merged: no rectangle ends where the next one in its row starts.
            var ends = rectangles.Select(r => (r.X + r.W, r.Y)).ToHashSet();
            Assert.DoesNotContain(rectangles, r => ends.Contains((r.X, r.Y)));
        }
    }

    [Fact]
    public void TextIsEscapedAndSetInDejaVuSans()
    {
        var content = SampleLabels.Fixed with { MailClass = "Priority <Mail> & \"Express\"", DeviceId = "VBI'ORL&1" };
        var bytes = TestRendering.Render(content, LabelFormat.Svg, LabelLayout.Envelope10, 300).Bytes;
        var svg = Parse(bytes);

        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("PRIORITY <MAIL> & \"EXPRESS\"", texts);
        Assert.Contains("VBI'ORL&1", texts);
        Assert.Contains("$0.735", texts);
        Assert.Contains("MAILED 2026-11-24", texts);
        Assert.Contains("FROM 10001", texts);
        Assert.Contains("POSTAGE", texts);
        var group = svg.Descendants(Svg + "g").Single(g => g.Attribute("font-family") is not null);
        Assert.Equal("'DejaVu Sans', sans-serif", (string?)group.Attribute("font-family"));
    }

    private static XDocument Parse(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return XDocument.Load(stream);
    }

    /// <summary>Reads back <c>M x,y h w v m h -w z</c> rectangles; anything else in the path fails the test.</summary>
    private static List<(int X, int Y, int W, int H)> ParsePath(string d)
    {
        var rectangles = new List<(int, int, int, int)>();
        foreach (var part in d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Rectangle().Match(part);
            Assert.True(match.Success, $"path element '{part}' is not a rectangle");
            int w = Int(match, "w");
            Assert.Equal(w, Int(match, "back"));
            rectangles.Add((Int(match, "x"), Int(match, "y"), w, Int(match, "h")));
        }

        return rectangles;

        static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^M(?<x>\d+),(?<y>\d+)h(?<w>\d+)v(?<h>\d+)h-(?<back>\d+)z$")]
    private static partial Regex Rectangle();
}
