using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Drawing;
using PdfSharp.License;
using PdfSharp.Pdf;
using VbiOrleans.Labels.Fonts;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// DejaVu Sans and DejaVu Sans Bold as PDF simple TrueType fonts (WinAnsiEncoding, codes 32 to 126), each embedded
/// as a subset holding every printable ASCII glyph. Labels print printable ASCII only (LabelContent and
/// LabelShipment refuse anything else), so one subset serves every label, and its objects are the same bytes in
/// every PDF. PDFsharp subsets the fonts once per process: it renders a page showing all 95 characters in each
/// face, and the font program (FontFile2), the widths and the descriptor's metrics are taken from that file; the
/// program is made smaller by <see cref="TrueTypeTrim"/> and compressed again. No PDFsharp runs per label.
/// </summary>
internal static partial class PdfFonts
{
    public const char FirstChar = ' ';
    public const char LastChar = '~';

    // PublicationOnly: a failure (no PDFsharp license yet, fonts missing) is not cached, so fixing it fixes a running process.
    private static readonly Lazy<(PdfFont Regular, PdfFont Bold)> Subsets = new(Build, LazyThreadSafetyMode.PublicationOnly);

    public static PdfFont Regular => Subsets.Value.Regular;

    public static PdfFont Bold => Subsets.Value.Bold;

    private static (PdfFont Regular, PdfFont Bold) Build()
    {
        DejaVuFontResolver.EnsureRegistered();
        var ascii = new string([.. Enumerable.Range(FirstChar, LastChar - FirstChar + 1).Select(c => (char)c)]);
        using var document = NewDocument();
        var page = document.AddPage();
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            gfx.DrawString(ascii, new XFont(LabelFonts.FamilyName, 8, XFontStyleEx.Regular), XBrushes.Black, 10, 100);
            gfx.DrawString(ascii, new XFont(LabelFonts.FamilyName, 8, XFontStyleEx.Bold), XBrushes.Black, 10, 200);
        }

        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        var pdf = stream.ToArray();
        var text = Encoding.Latin1.GetString(pdf); // one char per byte, so indexes are byte offsets
        var fonts = FontDictionary().Matches(text).Select(m => Extract(text, pdf, m)).ToList();
        var regular = fonts.Single(f => !f.Bold);
        var bold = fonts.Single(f => f.Bold);
        return (regular.Font, bold.Font);
    }

    private static PdfDocument NewDocument()
    {
        try
        {
            return new PdfDocument();
        }
        catch (PdfSharpLicenseException e)
        {
            throw new LabelException(
                LabelError.PdfLibraryNotLicensed,
                $"PDFsharp (which subsets the label fonts once per process) needs a license loaded by the host at start-up, PdfSharpLicense.SetAgplLicense() (AGPL-3.0) or PdfSharpLicense.LoadLicense(key) (commercial): {e.Message}");
        }
    }

    private static (bool Bold, PdfFont Font) Extract(string text, byte[] pdf, Match font)
    {
        var name = font.Groups["name"].Value;
        var descriptor = Descriptor().Match(text, ObjectStart(text, font.Groups["descriptor"].Value));
        var widths = WidthsArray().Match(text, ObjectStart(text, font.Groups["widths"].Value));
        var file = FontFileStream().Match(text, ObjectStart(text, descriptor.Groups["file"].Value));
        if (!descriptor.Success || !widths.Success || !file.Success)
        {
            throw new InvalidOperationException($"PDFsharp's subset of {name} is not laid out as PdfFonts expects (a different PDFsharp version?).");
        }

        var allWidths = widths.Groups["widths"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        int first = int.Parse(font.Groups["first"].Value, CultureInfo.InvariantCulture);
        var ours = allWidths.AsSpan(FirstChar - first, LastChar - FirstChar + 1).ToArray();
        int length = int.Parse(file.Groups["length"].Value, CultureInfo.InvariantCulture);
        var program = TrueTypeTrim.Trim(Inflate(pdf.AsSpan(file.Index + file.Length, length).ToArray()), FirstChar, LastChar);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(program);
        }

        // PDFsharp writes the descent as a positive number; PDF's Descent is negative (below the baseline).
        var metrics = descriptor.Groups["metrics"].Value;
        metrics = DescentValue().Replace(metrics, m => "/Descent " + (-Math.Abs(int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture))).ToString(CultureInfo.InvariantCulture));
        bool bold = name.EndsWith(",Bold", StringComparison.Ordinal);
        var tagged = SubsetTag(name) + "+" + name;
        var dictionary = string.Create(CultureInfo.InvariantCulture, $"/Length1 {program.Length}/Filter/FlateDecode");
        return (bold, new PdfFont(tagged, ours, metrics, dictionary, compressed.ToArray()));
    }

    /// <summary>The font program: PDFsharp's stream is zlib-wrapped; its deflate data is read raw (past the two header bytes).</summary>
    private static byte[] Inflate(byte[] stream)
    {
        using var inflated = new MemoryStream();
        using (var deflate = new DeflateStream(new MemoryStream(stream, 2, stream.Length - 2), CompressionMode.Decompress))
        {
            deflate.CopyTo(inflated);
        }

        return inflated.ToArray();
    }

    private static int ObjectStart(string text, string number)
    {
        int at = text.IndexOf("\n" + number + " 0 obj\n", StringComparison.Ordinal);
        return at < 0 ? throw new InvalidOperationException($"object {number} is missing from PDFsharp's font subset file") : at;
    }

    /// <summary>Six capital letters (a subset's tag) from a hash of the font's name: the same in every process.</summary>
    private static string SubsetTag(string fontName) =>
        string.Concat(SHA256.HashData(Encoding.ASCII.GetBytes("VbiOrleans.Labels ASCII " + fontName)).Take(6).Select(b => (char)('A' + (b % 26))));

    [GeneratedRegex(@"/Type/Font/Subtype/TrueType/BaseFont/[A-Z]{6}\+(?<name>[A-Za-z0-9#,\-]+)/Encoding/WinAnsiEncoding/FontDescriptor (?<descriptor>\d+) 0 R/FirstChar (?<first>\d+)/LastChar (?<last>\d+)/Widths (?<widths>\d+) 0 R", RegexOptions.CultureInvariant)]
    private static partial Regex FontDictionary();

    [GeneratedRegex(@"\G\n\d+ 0 obj\n<</Type/FontDescriptor(?<metrics>(?:/(?:Ascent|CapHeight|Descent|Flags|ItalicAngle|StemV|XHeight) -?\d+|/FontBBox\[[-0-9 ]+\])+)/FontName/[A-Z]{6}\+[^/]+/FontFile2 (?<file>\d+) 0 R>>", RegexOptions.CultureInvariant)]
    private static partial Regex Descriptor();

    [GeneratedRegex(@"\G\n\d+ 0 obj\n\[(?<widths>[0-9 ]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex WidthsArray();

    [GeneratedRegex(@"\G\n\d+ 0 obj\n<</Length1 \d+/Filter/FlateDecode/Length (?<length>\d+)>>\nstream\n", RegexOptions.CultureInvariant)]
    private static partial Regex FontFileStream();

    [GeneratedRegex(@"/Descent (?<d>-?\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex DescentValue();
}

/// <summary>
/// One embedded face: its PDF name with the subset tag, the widths of codes 32 to 126 in thousandths of an em, the
/// descriptor's metric entries (PDF dictionary text), and the compressed font program with its stream entries.
/// </summary>
internal sealed record PdfFont(string BaseFont, int[] Widths, string DescriptorMetrics, string ProgramDictionary, byte[] Program);
