using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// The host renders labels on many threads at once, and the writers share caches (the PDF's font objects, the
/// PNG's text lines): labels rendered in parallel are the bytes of the same labels rendered one at a time.
/// </summary>
public class ConcurrentRenderingTests
{
    [Theory]
    [InlineData(LabelFormat.Png)]
    [InlineData(LabelFormat.Pdf)]
    [InlineData(LabelFormat.Svg)]
    [InlineData(LabelFormat.Zpl)]
    public void ParallelRenderingGivesTheSequentialBytes(LabelFormat format)
    {
        var contents = Enumerable.Range(0, 24)
            .Select(i => SampleLabels.Shipped with
            {
                Indicium = SampleLabels.Bytes(i, 120 + i),
                Shipment = SampleLabels.Shipment with { To = [$"JANE ROE {i % 5}", $"{100 + i} MARKET ST", "SAN FRANCISCO CA 94102-4603"] },
            })
            .ToList();
        var request = new LabelRequest(format, LabelLayout.Label4x6, 203);
        var sequential = contents.Select(c => TestRendering.Render(c, request).Bytes).ToList();

        var parallel = new byte[contents.Count][];
        Parallel.For(0, contents.Count * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int k = i % contents.Count;
            parallel[k] = TestRendering.Render(contents[k], request).Bytes;
        });

        for (int k = 0; k < contents.Count; k++)
        {
            Assert.True(sequential[k].AsSpan().SequenceEqual(parallel[k]), $"label {k} differs when rendered in parallel");
        }
    }
}
