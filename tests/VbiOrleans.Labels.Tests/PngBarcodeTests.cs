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
    /// Both read the whole label, no crop. (ZXingReader, zxing-cpp 1.4, follows only the image's middle row and
    /// column when it looks for a Data Matrix; the layout puts the symbol across the middle row for it.)
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

            var zxing = Tools.ZXingFind(file, "DataMatrix");
            if (zxing.Count != 1 || !zxing[0].Bytes.AsSpan().SequenceEqual(payload))
            {
                failures.Add($"ZXingReader on {Tools.Keep(file)} ({payload.Length} bytes): {string.Join(", ", zxing.Select(z => Convert.ToHexString(z.Bytes)))}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join('\n', failures));
    }
}
