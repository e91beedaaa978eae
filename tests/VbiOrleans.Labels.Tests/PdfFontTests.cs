using System.Text;
using VbiOrleans.Labels.Tests.Fixtures;

namespace VbiOrleans.Labels.Tests;

/// <summary>
/// Every printable ASCII character a label can print: the writer escapes PDF's string delimiters, pdftotext reads
/// each character back, and poppler draws the page from the trimmed font subsets without a complaint.
/// </summary>
public class PdfFontTests
{
    [Fact]
    public void EveryPrintableAsciiCharacterReadsBack()
    {
        static string Range(int first, int last) => new([.. Enumerable.Range(first, last - first + 1).Select(c => (char)c)]);
        var lower = Range('a', '~'); // with { | } ~
        var punctuation = Range('!', 'H'); // with ( ) and digits
        var upper = Range('I', '`'); // with [ \ ] ^ _ `; the mail class prints in capitals, which these already are
        var content = SampleLabels.Fixed with { DeviceId = lower, IndiciumId = punctuation, MailClass = upper };
        Assert.Null(content.Validate());
        var pdf = Tools.TempFile("ascii.pdf");
        File.WriteAllBytes(pdf, TestRendering.Render(content, LabelFormat.Pdf, LabelLayout.Label4x6, 300).Bytes);

        var (code, stdout, stderr) = Tools.Run(Tools.Require(Tools.PdfToText), [pdf, "-"], TimeSpan.FromSeconds(30));

        Assert.True(code == 0 && stderr.Length == 0, $"pdftotext exit {code}: {stderr}");
        var text = Encoding.UTF8.GetString(stdout);
        Assert.Contains(lower, text, StringComparison.Ordinal);
        Assert.Contains(punctuation, text, StringComparison.Ordinal);
        Assert.Contains(upper, text, StringComparison.Ordinal);

        var (drawn, _, complaints) = Tools.Run(Tools.Require(Tools.PdfToPpm), ["-r", "100", "-png", pdf, Tools.TempFile("ascii")], TimeSpan.FromSeconds(30));
        Assert.True(drawn == 0 && complaints.Length == 0, $"pdftoppm exit {drawn}: {complaints}");
    }
}
