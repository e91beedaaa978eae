using VbiOrleans.Labels;

namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>The fixed content of the golden files, random indicia, and every format x layout x dpi.</summary>
internal static class SampleLabels
{
    public static readonly int[] Dpis = [203, 300];

    /// <summary>The golden label. Never change it without regenerating the golden files.</summary>
    public static LabelContent Fixed { get; } = new(
        Indicium: Bytes(seed: 20261124, length: 150),
        PostageMills: 735,
        DateOfMailing: new DateOnly(2026, 11, 24),
        OriginZip: "10001",
        DestinationZip: "94105-1420",
        MailClass: "First-Class Mail",
        DeviceId: "VBI-ORL-1 000123",
        ItemKind: "Postage",
        IndiciumId: "m-000123-0000042");

    public static LabelContent WithIndicium(byte[] indicium) => Fixed with { Indicium = indicium };

    /// <summary>Deterministic pseudo-random bytes (the same on every run and machine).</summary>
    public static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static IEnumerable<(LabelFormat Format, LabelLayout Layout, int Dpi)> AllCombinations() =>
        from format in Enum.GetValues<LabelFormat>()
        from layout in Enum.GetValues<LabelLayout>()
        from dpi in Dpis
        select (format, layout, dpi);

    public static string Name(LabelFormat format, LabelLayout layout, int dpi) =>
        $"{layout.ToString().ToLowerInvariant()}-{dpi}dpi.{LabelContentTypes.FileExtension(format)}";
}
