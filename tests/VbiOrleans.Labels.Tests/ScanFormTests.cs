using System.Globalization;
using System.Text;
using PdfSharp;
using VbiOrleans.Labels.ScanForms;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// The SCAN form PDF: its barcode reads with ZXingReader on the whole first page as poppler renders it, every
/// tracking number is in the text poppler extracts, pages are numbered, totals add up, bytes are deterministic.
/// </summary>
public class ScanFormTests
{
    private const byte GroupSeparator = 0x1D;

    private static ScanFormContent Form(int packages, string originZip = "10001") => new(
        FormNumber: ScanFormContent.NewFormNumber("901234", 42),
        DateOfMailing: new DateOnly(2026, 11, 24),
        MailerName: "ACME SUPPLY CO",
        MailerAddress: ["350 5TH AVE STE 4700", "NEW YORK NY 10118-0110"],
        OriginZip: originZip,
        Packages: Enumerable.Range(1, packages).Select(i => new ScanFormPackage(
            SampleLabels.TrackingNumber("92", "055", "901234", i.ToString("D10", CultureInfo.InvariantCulture)),
            i % 3 == 0 ? "Priority Mail" : "Ground Advantage",
            4 + (i % 50) + 0.5m,
            i % 2 == 0 ? "94102" : "94102-4603",
            5_000 + (i * 10))).ToList());

    [Fact]
    public void TheBarcodeReadsOnTheWholePageAndEveryTrackingNumberIsInTheText()
    {
        PdfSharpLicense.SetAgplLicense();
        var form = Form(100, originZip: "10001-0001");
        var pdf = Tools.TempFile("scan-form.pdf");
        File.WriteAllBytes(pdf, ScanFormRenderer.Render(form));

        int pages = ScanFormRenderer.PageCount(100);
        Assert.Equal(3, pages);
        var text = "";
        Parallel.Invoke(
            () =>
            {
                var page = Tools.PdfToPng(pdf, 300);
                var found = Tools.ZXingFind(page, "Code128", "-noscale");
                var expected = Encoding.ASCII.GetBytes("420100010001").Append(GroupSeparator).Concat(Encoding.ASCII.GetBytes(form.FormNumber)).ToArray();
                Assert.True(
                    found.Count == 1 && found[0].Identifier == "]C1" && found[0].Bytes.AsSpan().SequenceEqual(expected),
                    $"ZXingReader on {Tools.Keep(page)}: {string.Join(", ", found.Select(f => f.Identifier + " " + Encoding.Latin1.GetString(f.Bytes)))}");
                Assert.True(UspsMod10.IsValid(Encoding.ASCII.GetString(found[0].Bytes).Split((char)GroupSeparator)[1]));
            },
            () =>
            {
                var (code, stdout, stderr) = Tools.Run(Tools.Require(Tools.PdfToText), ["-layout", pdf, "-"], TimeSpan.FromSeconds(30));
                Assert.True(code == 0, $"pdftotext exit {code}: {stderr}");
                text = Encoding.UTF8.GetString(stdout);
            });

        Assert.All(form.Packages, p => Assert.Contains(p.TrackingNumber, text, StringComparison.Ordinal));
        Assert.Equal(100, form.Packages.Select(p => p.TrackingNumber).Distinct().Count());
        for (int page = 1; page <= pages; page++)
        {
            Assert.Contains($"Page {page} of {pages}", text, StringComparison.Ordinal);
        }

        long total = form.Packages.Sum(p => p.PostageMills);
        Assert.Equal(550_500, total);
        Assert.Contains("TOTAL 100 PACKAGES", text, StringComparison.Ordinal);
        Assert.Contains("$550.50", text, StringComparison.Ordinal);
        Assert.Contains("FORM # " + string.Join(' ', form.FormNumber.Chunk(4).Select(c => new string(c))), text, StringComparison.Ordinal);
        Assert.Contains("ACME SUPPLY CO", text, StringComparison.Ordinal);
        Assert.Contains("2026-11-24", text, StringComparison.Ordinal);
        Assert.Contains("/Count 3", Encoding.Latin1.GetString(File.ReadAllBytes(pdf)), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameFormRendersTheSameBytes()
    {
        PdfSharpLicense.SetAgplLicense();
        var first = ScanFormRenderer.Render(Form(40));
        var again = ScanFormRenderer.Render(Form(40));
        var other = ScanFormRenderer.Render(Form(41));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("901234", 42, "949909012340000000042")]
    [InlineData("901234567", 9_999_999, "949909012345679999999")]
    public void FormNumbersAre22DigitsChannel94ServiceType990MailerIdSerialAndCheckDigit(string mailerId, long serial, string body)
    {
        var number = ScanFormContent.NewFormNumber(mailerId, serial);

        Assert.Equal(22, number.Length);
        Assert.StartsWith("94990" + mailerId, number, StringComparison.Ordinal);
        Assert.True(UspsMod10.IsValid(number));
        Assert.Equal(body, number[..^1]);
        Assert.Equal(UspsMod10.CheckDigit(body), number[^1] - '0');
    }

    [Fact]
    public void ASerialThatDoesNotFitIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ScanFormContent.NewFormNumber("901234567", 10_000_000));
        Assert.Throws<ArgumentException>(() => ScanFormContent.NewFormNumber("90123", 1));
    }

    public static TheoryData<string, ScanFormContent> Invalid()
    {
        var form = Form(2);
        var badCheck = form.FormNumber[..^1] + (char)('0' + ((form.FormNumber[^1] - '0' + 1) % 10));
        return new TheoryData<string, ScanFormContent>
        {
            { "wrong check digit", form with { FormNumber = badCheck } },
            { "no packages", form with { Packages = [] } },
            { "too many packages", form with { Packages = Enumerable.Repeat(form.Packages[0], ScanFormContent.MaxPackages + 1).ToList() } },
            { "bad origin ZIP", form with { OriginZip = "1000" } },
            { "empty mailer name", form with { MailerName = " " } },
            { "six address lines", form with { MailerAddress = ["A", "B", "C", "D", "E", "F"] } },
            { "tracking with letters", form with { Packages = [form.Packages[0] with { TrackingNumber = "92055901234ABCDEFGHIJ1" }] } },
            { "zero weight", form with { Packages = [form.Packages[0] with { WeightOunces = 0 }] } },
            { "negative postage", form with { Packages = [form.Packages[0] with { PostageMills = -1 }] } },
            { "bad destination ZIP", form with { Packages = [form.Packages[0] with { DestinationZip = "ABCDE" }] } },
        };
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void BadContentIsRefusedByName(string why, ScanFormContent content)
    {
        var refused = Assert.Throws<LabelException>(() => ScanFormRenderer.Render(content));

        Assert.True(refused.Code == LabelError.InvalidScanFormContent, $"{why}: {refused.Code}");
    }
}
