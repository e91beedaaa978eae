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

    /// <summary>The sample shipment: a Ground Advantage parcel from New York to San Francisco (ZIP+4 routing).</summary>
    public static LabelShipment Shipment { get; } = new(
        From: ["ACME SUPPLY CO", "JOHN DOE", "350 5TH AVE STE 4700", "NEW YORK NY 10118-0110"],
        To: ["JANE ROE", "1 DR CARLTON B GOODLETT PL RM 200", "SAN FRANCISCO CA 94102-4603"],
        ServiceBanner: "USPS GROUND ADVANTAGE",
        WeightOunces: 20.5m,
        TrackingNumber: TrackingNumber("92", "055", "901234", "1234567890"),
        RoutingZip: "94102-4603");

    /// <summary>The golden addressed label: <see cref="Fixed"/> with <see cref="Shipment"/>.</summary>
    public static LabelContent Shipped { get; } = Fixed with { Shipment = Shipment, MailClass = "Ground Advantage", DestinationZip = "94102-4603" };

    /// <summary>An IMpb tracking number: the parts, then the check digit computed by the tests' own <see cref="UspsMod10"/>.</summary>
    public static string TrackingNumber(string channel, string serviceType, string mailerId, string serial)
    {
        var digits = channel + serviceType + mailerId + serial;
        return digits + UspsMod10.CheckDigit(digits);
    }

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

    public static string ShippedName(LabelFormat format, LabelLayout layout, int dpi) =>
        $"{layout.ToString().ToLowerInvariant()}-{dpi}dpi-shipment.{LabelContentTypes.FileExtension(format)}";
}
