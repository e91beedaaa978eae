using System.Diagnostics;

namespace VbiOrleans.Labels;

/// <summary>What rendering one label costs on the calling thread, for benchmarks and capacity figures.</summary>
/// <param name="Labels">How many labels were rendered after the warm-up.</param>
/// <param name="WallMillisecondsPerLabel">Elapsed time per label.</param>
/// <param name="CpuMillisecondsPerLabel">The process's CPU time per label (the collector's threads included).</param>
/// <param name="PlanMillisecondsPerLabel">Elapsed time per label spent placing the print's marks (measuring text, encoding the symbols), part of the wall time.</param>
/// <param name="BytesPerLabel">The size of one rendered label.</param>
public sealed record LabelRenderingCost(int Labels, double WallMillisecondsPerLabel, double CpuMillisecondsPerLabel, double PlanMillisecondsPerLabel, int BytesPerLabel)
{
    /// <summary>The most labels one measurement renders, so a mistaken argument cannot run for hours.</summary>
    public const int MaxLabels = 100_000;

    /// <summary>
    /// Renders <paramref name="content"/> <paramref name="labels"/> times after a warm-up of a tenth as many, as a
    /// running host renders: the label's template (<see cref="LabelTemplateCache.Shared"/>) and the font caches are
    /// built in the warm-up, outside the timed part. Then times placing alone (around the template's frame) the same
    /// number of times.
    /// </summary>
    public static LabelRenderingCost Measure(LabelContent content, LabelRequest request, int labels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(labels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(labels, MaxLabels);
        int bytes = 0;
        for (int i = 0; i < Math.Max(1, labels / 10); i++)
        {
            bytes = LabelRenderer.Render(content, request).Bytes.Length;
        }

        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < labels; i++)
        {
            LabelRenderer.Render(content, request);
        }

        var wallRender = wall.Elapsed;
        process.Refresh();
        var cpuRender = process.TotalProcessorTime - cpu;

        wall.Restart();
        for (int i = 0; i < labels; i++)
        {
            LabelRenderer.Place(content, request, LabelTemplateCache.Shared);
        }

        var wallPlan = wall.Elapsed;
        return new LabelRenderingCost(labels, wallRender.TotalMilliseconds / labels, cpuRender.TotalMilliseconds / labels, wallPlan.TotalMilliseconds / labels, bytes);
    }
}
