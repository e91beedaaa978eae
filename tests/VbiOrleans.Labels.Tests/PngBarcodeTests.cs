using System.Collections.Concurrent;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// The printed symbol carries exactly the indicium: two independent decoders read it back from the PNG, for random
/// payloads of the size real indicia have.
/// </summary>
public class PngBarcodeTests
{
    public static TheoryData<LabelLayout, int> Layouts() => new()
    {
        { LabelLayout.Label4x6, 203 },
        { LabelLayout.Label4x6, 300 },
        { LabelLayout.Envelope10, 203 },
        { LabelLayout.Envelope10, 300 },
    };

    /// <summary>
    /// dmtxread reads the whole label. ZXingReader (zxing-cpp 1.4) searches for a Data Matrix outward from the
    /// image centre and finds nothing on a full page whose symbol sits in a corner, so it reads the top-right
    /// 1.5 in. square instead, cut by position alone (not from the renderer's layout).
    /// </summary>
    [Theory]
    [MemberData(nameof(Layouts))]
    public void BothDecodersReadExactlyTheIndicium(LabelLayout layout, int dpi)
    {
        var random = new Random((int)layout * 1000 + dpi);
        var payloads = Enumerable.Range(0, 4).Select(_ => SampleLabels.Bytes(random.Next(), random.Next(120, 201))).ToList();
        var failures = new ConcurrentBag<string>();

        Parallel.ForEach(payloads, new ParallelOptions { MaxDegreeOfParallelism = 2 }, payload =>
        {
            var png = TestRendering.Render(SampleLabels.WithIndicium(payload), LabelFormat.Png, layout, dpi).Bytes;
            var file = Tools.TempFile($"{layout}-{dpi}-{payload.Length}.png");
            File.WriteAllBytes(file, png);

            var dmtx = Tools.DmtxDecode(file);
            if (dmtx is null || !dmtx.AsSpan().SequenceEqual(payload))
            {
                failures.Add($"dmtxread on {Tools.Keep(file)} ({payload.Length} bytes): {(dmtx is null ? "nothing found" : Convert.ToHexString(dmtx))}");
            }

            var raster = Raster.FromPng(png);
            int side = (int)(1.5 * dpi);
            var corner = raster.SavePgm($"{layout}-{dpi}-{payload.Length}-corner", left: raster.Width - side, bottom: side);
            var zxing = Tools.ZXingDecode(corner);
            if (zxing is null || !zxing.AsSpan().SequenceEqual(payload))
            {
                failures.Add($"ZXingReader on {Tools.Keep(corner)} ({payload.Length} bytes): {(zxing is null ? "nothing found" : Convert.ToHexString(zxing))}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join('\n', failures));
    }
}
