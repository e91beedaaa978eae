using VbiOrleans.Labels.Fonts;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

public class LabelContentTests
{
    [Theory]
    [InlineData(0, "$0.00")]
    [InlineData(5, "$0.005")]
    [InlineData(730, "$0.73")]
    [InlineData(735, "$0.735")]
    [InlineData(1000, "$1.00")]
    [InlineData(12_345, "$12.345")]
    [InlineData(12_340, "$12.34")]
    [InlineData(1_000_000, "$1000.00")]
    public void PostageIsDollarsAndCentsOrThreeDecimalsWhenNotAWholeCent(long mills, string printed)
    {
        Assert.Equal(printed, LabelContent.FormatPostage(mills));
    }

    [Fact]
    public void TheHumanReadableLinesAreThoseOfTheIssue()
    {
        var lines = SampleLabels.Fixed.HumanReadableLines().Select(l => l.Text);

        Assert.Equal(["POSTAGE", "$0.735", "FIRST-CLASS MAIL", "MAILED 2026-11-24", "FROM 10001", "VBI-ORL-1 000123", "ID m-000123-0000042"], lines);
    }

    [Theory]
    [InlineData("postage", "POSTAGE")]
    [InlineData("Ticket", "TICKET")]
    [InlineData("COUPON", "COUPON")]
    [InlineData("voucher", "VOUCHER")]
    [InlineData("GiftCertificate", "GIFT CERTIFICATE")]
    [InlineData("gift certificate", "GIFT CERTIFICATE")]
    public void EveryItemKindIsPrintedInCapitals(string kind, string printed)
    {
        Assert.Equal(printed, (SampleLabels.Fixed with { ItemKind = kind }).HumanReadableLines()[0].Text);
    }

    public static TheoryData<string, LabelContent> Invalid() => new()
    {
        { "empty indicium", SampleLabels.Fixed with { Indicium = [] } },
        { "negative postage", SampleLabels.Fixed with { PostageMills = -1 } },
        { "short origin ZIP", SampleLabels.Fixed with { OriginZip = "1000" } },
        { "ZIP with a newline", SampleLabels.Fixed with { OriginZip = "10001\n" } },
        { "bad destination ZIP", SampleLabels.Fixed with { DestinationZip = "94105-14" } },
        { "ZIP+4 with a space", SampleLabels.Fixed with { DestinationZip = "94105 1420" } },
        { "empty mail class", SampleLabels.Fixed with { MailClass = " " } },
        { "long mail class", SampleLabels.Fixed with { MailClass = new string('A', 33) } },
        { "non-ASCII device id", SampleLabels.Fixed with { DeviceId = "VBI-ÖRL" } },
        { "unknown item kind", SampleLabels.Fixed with { ItemKind = "stamp" } },
        { "long indicium id", SampleLabels.Fixed with { IndiciumId = new string('1', 41) } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidContentIsRefusedByName(string why, LabelContent content)
    {
        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(content, LabelFormat.Png, LabelLayout.Label4x6, 203));

        Assert.True(refused.Code == LabelError.InvalidLabelContent, $"{why}: {refused.Code}");
    }

    [Theory]
    [InlineData("10001", "94105")]
    [InlineData("10001-0001", "941051420")]
    [InlineData("100010001", "94105-1420")]
    public void ZipsAreFiveDigitsOrZipPlusFourWithOrWithoutTheHyphen(string origin, string destination)
    {
        Assert.Null((SampleLabels.Fixed with { OriginZip = origin, DestinationZip = destination }).Validate());
    }

    [Fact]
    public void AnIndiciumTooLargeForOneSymbolIsRefused()
    {
        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(SampleLabels.WithIndicium(new byte[1600]), LabelFormat.Svg, LabelLayout.Envelope10, 300));

        Assert.Equal(LabelError.IndiciumTooLarge, refused.Code);
    }

    [Fact]
    public void AnIndiciumBlockThatDoesNotFitTheLabelIsRefused()
    {
        // A 1000-byte indicium is a 2.6 in. symbol: it fits the envelope but not the 4x6 label with its clear zone.
        var content = SampleLabels.WithIndicium(SampleLabels.Bytes(3, 1000));

        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(content, LabelFormat.Png, LabelLayout.Label4x6, 300));

        Assert.Equal(LabelError.IndiciumTooLarge, refused.Code);
        Assert.NotEmpty(TestRendering.Render(content, LabelFormat.Png, LabelLayout.Envelope10, 300).Bytes);
    }

    [Theory]
    [InlineData(72)]
    [InlineData(2400)]
    public void AResolutionOutsideTheLayoutsIsRefused(int dpi)
    {
        var refused = Assert.Throws<LabelException>(() => TestRendering.Render(SampleLabels.Fixed, LabelFormat.Png, LabelLayout.Label4x6, dpi));

        Assert.Equal(LabelError.UnsupportedDpi, refused.Code);
    }

    [Fact]
    public void AMissingFontNamesTheDebianPackage()
    {
        var empty = Directory.CreateTempSubdirectory("vbi-no-fonts").FullName;
        try
        {
            var refused = Assert.Throws<LabelException>(() => LabelFonts.Read(LabelFonts.RegularFile, [empty]));

            Assert.Equal(LabelError.FontMissing, refused.Code);
            Assert.Contains("fonts-dejavu-core", refused.Message, StringComparison.Ordinal);
            Assert.Contains(empty, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
