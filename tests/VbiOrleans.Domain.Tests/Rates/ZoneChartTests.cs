using CsCheck;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Geography;

namespace VbiOrleans.Domain.Tests.Rates;

public sealed class ZoneChartTests
{
    private static readonly ZoneChart Chart = ZoneChart.Embedded;

    private static ZoneResult ZoneOf(string from, string to)
    {
        var result = Chart.Zone(from, to);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value;
    }

    [Fact]
    public void The_embedded_zip_table_has_the_shape_the_script_writes()
    {
        var areas = ZipAreas.Embedded;
        Assert.InRange(areas.Areas.Count, 900, 1000);
        Assert.InRange(areas.KnownZipCount, 40_000, 45_000);
        foreach (var area in areas.Areas.Where(a => a.Kind != ZipAreaKind.Military))
        {
            Assert.InRange(area.Latitude, -15, 72);
            Assert.True(area.Longitude is >= -180 and <= 180, area.Id);
            Assert.True(area.Zips > 0, area.Id);
        }
        // Military ZIPs have no location: they are zoned through a gateway.
        foreach (var id in new[] { "090", "091", "092", "093", "094", "095", "096", "097", "098", "340", "962", "963", "964", "965", "966" })
            Assert.Equal(ZipAreaKind.Military, areas.Area(id)?.Kind);
        // The Freely Associated States are 5-digit exception areas inside 969 (Guam's).
        foreach (var id in new[] { "96939", "96940", "96941", "96942", "96943", "96944", "96960", "96970" })
            Assert.Equal(ZipAreaKind.FreelyAssociated, areas.Area(id)?.Kind);
        Assert.Equal(ZipAreaKind.Domestic, areas.AreaOf("96910")?.Kind);
        Assert.Equal("969", areas.AreaOf("96910")?.Id);
        Assert.Equal("96799", areas.AreaOf("96799")?.Id); // American Samoa, not Hawaii's centroid
        Assert.True(areas.IsKnown("10001"));
        Assert.False(areas.IsKnown("00000"));
        Assert.False(areas.IsKnown("99999"));
    }

    [Theory]
    [InlineData("10001", "90001", "8")] // New York to Los Angeles
    [InlineData("94102", "94103", "1")] // the same 3-digit area, another ZIP
    [InlineData("94103", "94103", "Local")]
    [InlineData("10001", "10002", "1")]
    [InlineData("10001", "19104", "2")] // Philadelphia, about 80 miles
    [InlineData("10001", "20001", "3")] // Washington, about 200 miles
    [InlineData("10001", "60601", "5")] // Chicago, about 720 miles
    [InlineData("10001", "96939", "9")] // Palau
    [InlineData("96960", "90001", "9")] // Marshall Islands, either way
    [InlineData("10001", "96941", "9")] // Micronesia
    [InlineData("10001", "99501", "8")] // Anchorage
    [InlineData("90001", "96813", "8")] // Honolulu
    [InlineData("10001", "00601", "7")] // Puerto Rico, about 1,600 miles
    [InlineData("10001", "96910", "8")] // Guam
    [InlineData("10001", "09001", "1")] // APO AE, through the New York gateway
    [InlineData("90001", "09001", "8")]
    [InlineData("33101", "34001", "1")] // APO AA, through Miami
    [InlineData("94102", "96201", "1")] // APO AP, through San Francisco
    [InlineData("10001", "96201", "8")]
    public void Zones_follow_the_distance_bands_and_the_published_exceptions(string from, string to, string zone) =>
        Assert.Equal(zone, ZoneOf(from, to).Zone.Name);

    [Theory]
    [InlineData("1234", "90001", ErrorCode.InvalidZip)]
    [InlineData("10001", "9000A", ErrorCode.InvalidZip)]
    [InlineData(null, "90001", ErrorCode.InvalidZip)]
    [InlineData("99999", "90001", ErrorCode.UnknownZip)]
    [InlineData("10001", "00000", ErrorCode.UnknownZip)]
    public void Bad_zips_are_named_errors(string? from, string to, ErrorCode code) =>
        Assert.Equal(code, Chart.Zone(from, to).Error?.Code);

    [Fact]
    public void Zones_are_symmetric_and_grow_with_distance()
    {
        var domestic = ZipAreas.Embedded.Areas.Where(a => a.Kind == ZipAreaKind.Domestic && a.Id.Length == 3).Select(a => a.Id + "01")
            .Where(ZipAreas.Embedded.IsKnown).ToArray();
        Gen.Select(Gen.Int[0, domestic.Length - 1], Gen.Int[0, domestic.Length - 1]).Sample((i, j) =>
        {
            var (a, b) = (domestic[i], domestic[j]);
            var there = ZoneOf(a, b);
            var back = ZoneOf(b, a);
            Assert.Equal(there.Zone, back.Zone);
            var miles = there.Miles!.Value;
            var band = ZoneChart.BandMiles.TakeWhile(limit => miles > limit).Count() + 1;
            // The zone is the band of the (unrounded) distance: the rounded miles can sit on a band's edge.
            Assert.InRange(there.Zone.Number, a == b ? 0 : Math.Max(1, band - 1), Math.Min(8, band + 1));
        }, iter: 2000);
    }
}
