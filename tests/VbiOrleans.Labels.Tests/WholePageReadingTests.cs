using System.Collections.Concurrent;
using System.Text;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// Every barcode on a label as served reads on the whole page, with no crop: the PNG as it is, the PDF rasterized by
/// poppler at the label's resolution, the ZPL rebuilt dot for dot by <see cref="ZplPage"/>. ZXingReader (zxing-cpp)
/// must find the Data Matrix with exactly the indicium's bytes and, on an addressed label, the GS1-128 IMpb with
/// exactly AI 420 + the routing ZIP, GS, then the tracking number, whose mod-10 check digit the tests verify with
/// their own implementation; dmtxread must read the Data Matrix to the same bytes.
/// </summary>
public class WholePageReadingTests
{
    private const byte GroupSeparator = 0x1D;

    public static IEnumerable<(LabelLayout Layout, int Dpi, LabelFormat Format, bool Shipment)> Cases() =>
        from layout in Enum.GetValues<LabelLayout>()
        from dpi in SampleLabels.Dpis
        from format in new[] { LabelFormat.Png, LabelFormat.Pdf, LabelFormat.Zpl }
        from shipment in new[] { false, true }
        select (layout, dpi, format, shipment);

    [Fact]
    public void EveryBarcodeReadsOnTheWholePageInEveryServedForm()
    {
        var failures = new ConcurrentBag<string>();
        int checkedCases = 0;

        // The external decoders dominate; four at a time keeps the whole matrix to a few seconds on two cores.
        Parallel.ForEach(Cases(), new ParallelOptions { MaxDegreeOfParallelism = 4 }, c =>
        {
            var (layout, dpi, format, withShipment) = c;
            var content = Content(layout, dpi, format, withShipment);
            var name = $"{layout}-{dpi}-{format}{(withShipment ? "-shipment" : string.Empty)}";
            var image = Page(content, layout, dpi, format, name);
            foreach (var problem in Problems(image, content))
            {
                failures.Add($"{name} ({Tools.Keep(image)}): {problem}");
            }

            Interlocked.Increment(ref checkedCases);
        });

        Assert.True(failures.IsEmpty, string.Join('\n', failures.OrderBy(f => f, StringComparer.Ordinal)));
        Assert.Equal(24, checkedCases);
    }

    [Fact]
    public void TheTestsCheckDigitAgreesWithWorkedExamples()
    {
        // Worked by hand for 940503699300000000000 (21 digits), positions from the right: odd positions (x3) hold
        // 9, 6, 9 -> 72; even positions hold 4, 5, 3, 9, 3 -> 24; 96 -> check digit 4.
        Assert.Equal(4, UspsMod10.CheckDigit("940503699300000000000"));
        Assert.Equal(0, UspsMod10.CheckDigit("0000000000"));
        Assert.True(UspsMod10.IsValid(SampleLabels.Shipment.TrackingNumber));
        Assert.False(UspsMod10.IsValid(SampleLabels.Shipment.TrackingNumber[..^1] + (char)('0' + ((SampleLabels.Shipment.TrackingNumber[^1] - '0' + 1) % 10))));
    }

    /// <summary>A different indicium per case (real sizes, 120 to 200 bytes) and, with a shipment, a different tracking number and ZIP form.</summary>
    private static LabelContent Content(LabelLayout layout, int dpi, LabelFormat format, bool withShipment)
    {
        int seed = (dpi * 10) + ((int)layout * 3) + (int)format + (withShipment ? 1000 : 0);
        var content = SampleLabels.WithIndicium(SampleLabels.Bytes(seed, 120 + (seed % 81)));
        if (!withShipment)
        {
            return content;
        }

        var serial = (seed * 7919L).ToString("D10", System.Globalization.CultureInfo.InvariantCulture)[^10..];
        return content with
        {
            Shipment = SampleLabels.Shipment with
            {
                TrackingNumber = SampleLabels.TrackingNumber(seed % 2 == 0 ? "92" : "93", "055", "901234", serial),
                RoutingZip = seed % 3 == 0 ? "94102" : "941024603",
            },
        };
    }

    /// <summary>The page image a reader gets: the PNG itself, poppler's raster of the PDF, or the ZPL's dots.</summary>
    private static string Page(LabelContent content, LabelLayout layout, int dpi, LabelFormat format, string name)
    {
        var bytes = TestRendering.Render(content, format, layout, dpi).Bytes;
        var file = Tools.TempFile(name + "." + LabelContentTypes.FileExtension(format));
        switch (format)
        {
            case LabelFormat.Png:
                File.WriteAllBytes(file, bytes);
                return file;
            case LabelFormat.Pdf:
                File.WriteAllBytes(file, bytes);
                return Tools.PdfToPng(file, dpi);
            default:
                return ZplPage.ToPgm(bytes, name);
        }
    }

    private static IEnumerable<string> Problems(string image, LabelContent content)
    {
        var matrices = Tools.ZXingFind(image, "DataMatrix");
        if (matrices.Count != 1 || !matrices[0].Bytes.AsSpan().SequenceEqual(content.Indicium))
        {
            yield return $"ZXingReader found {matrices.Count} Data Matrix symbols ({string.Join(", ", matrices.Select(m => Convert.ToHexString(m.Bytes)))}), not the indicium";
        }

        var dmtx = Tools.DmtxDecode(image);
        if (dmtx is null || !dmtx.AsSpan().SequenceEqual(content.Indicium))
        {
            yield return $"dmtxread: {(dmtx is null ? "nothing found" : Convert.ToHexString(dmtx))}";
        }

        // -noscale: zxing-cpp 1.4 also searches a one-third-scale copy of the image, and when a linear symbol reads
        // there too (3-dot bars at 203 dpi become 1-pixel bars) merging the two results trips an assertion in
        // Result::operator== and the tool aborts. The page is still the whole page.
        var linear = Tools.ZXingFind(image, "Code128", "-noscale");
        if (content.Shipment is not { } shipment)
        {
            if (linear.Count != 0)
            {
                yield return $"a letter carries no linear barcode, ZXingReader found {linear.Count}";
            }

            yield break;
        }

        var expected = Encoding.ASCII.GetBytes("420" + shipment.RoutingZip.Replace("-", string.Empty, StringComparison.Ordinal))
            .Append(GroupSeparator)
            .Concat(Encoding.ASCII.GetBytes(shipment.TrackingNumber))
            .ToArray();
        if (linear.Count != 1 || linear[0].Identifier != "]C1" || !linear[0].Bytes.AsSpan().SequenceEqual(expected))
        {
            yield return $"ZXingReader found {string.Join(", ", linear.Select(l => $"{l.Identifier} {Encoding.Latin1.GetString(l.Bytes)}"))}; expected ]C1 {Encoding.Latin1.GetString(expected)}";
            yield break;
        }

        // What a scanner gets: the element strings split at GS; the tracking number must pass its check digit.
        var elements = Encoding.ASCII.GetString(linear[0].Bytes).Split((char)GroupSeparator);
        if (elements.Length != 2 || !elements[0].StartsWith("420", StringComparison.Ordinal) || !UspsMod10.IsValid(elements[1]))
        {
            yield return $"the decoded IMpb '{string.Join("<GS>", elements)}' is not 420+ZIP then a tracking number with a valid mod-10 check digit";
        }
    }
}
