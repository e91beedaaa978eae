using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Labels.Layout;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// The label as a one-page PDF 1.4 the size of the piece (72 points to the inch), written directly: no PDF library
/// runs per label. The template is the file up to the print's part: the header and the two embedded font subsets
/// (<see cref="PdfFonts"/>, the same bytes for every template), the catalog, the page, and with a frame its own content
/// stream, compressed once (the page's /Contents lists it first, so the print draws over it). Per label come the
/// print's content stream, the document information, the cross-reference table and the trailer. A content stream
/// draws its black rectangles (the Data Matrix's runs, the rules, the IMpb's bars) in whole printer dots under one
/// scaling matrix, then its text lines, and is compressed at zlib's fastest level (some 11 KB of operators become
/// about 3 KB). A letter has no frame: one content stream, as a page with nothing static needs.
/// </summary>
internal sealed class PdfLabelTemplate : LabelTemplate
{
    private const int RegularFontObject = 1;
    private const int BoldFontObject = 4;
    private const int CatalogObject = 7;
    private const int PagesObject = 8;
    private const int PageObject = 9;
    private const int ContentsObject = 10;
    private const int InfoObject = 11;
    private const int FrameContentsObject = 12;
    private const string ScaleFormat = "0.######";

    /// <summary>The header and the font objects 1 to 6, with their offsets: the same bytes at the start of every label.</summary>
    private static readonly Lazy<(byte[] Bytes, int[] Offsets)> FontObjects = new(BuildFonts, LazyThreadSafetyMode.PublicationOnly);

    private readonly LabelPage _page;
    private readonly byte[] _prefix;
    // What the file identifier hashes for the template's part: the prefix's digest, taken once.
    private readonly byte[] _prefixDigest;
    private readonly int[] _offsets;
    private readonly int _objectCount;

    public PdfLabelTemplate(LabelPage page, LabelFrame frame, LabelFrame shifted)
        : base(frame)
    {
        _page = page;
        var (fonts, fontOffsets) = FontObjects.Value;
        bool framed = shifted.Text.Count + shifted.Rules.Count > 0;
        _objectCount = framed ? FrameContentsObject : InfoObject;
        _offsets = new int[_objectCount + 1];
        fontOffsets.CopyTo(_offsets, 0);

        using var pdf = new AsciiBuffer(fonts.Length + 4096);
        pdf.Append(fonts);
        _offsets[CatalogObject] = pdf.Length;
        pdf.Append(CatalogObject).Append(" 0 obj\n<</Type/Catalog/Pages ").Append(PagesObject).Append(" 0 R>>\nendobj\n");

        _offsets[PagesObject] = pdf.Length;
        pdf.Append(PagesObject).Append(" 0 obj\n<</Type/Pages/Kids[").Append(PageObject).Append(" 0 R]/Count 1>>\nendobj\n");

        _offsets[PageObject] = pdf.Length;
        pdf.Append(PageObject).Append(" 0 obj\n<</Type/Page/Parent ").Append(PagesObject).Append(" 0 R/MediaBox[0 0 ")
            .Append(page.WidthInches * 72).Append(' ').Append(page.HeightInches * 72)
            .Append("]/Resources<</Font<</F1 ").Append(RegularFontObject).Append(" 0 R/F2 ").Append(BoldFontObject)
            .Append(" 0 R>>/ProcSet[/PDF/Text]>>/Contents ");
        if (framed)
        {
            pdf.Append('[').Append(FrameContentsObject).Append(" 0 R ").Append(ContentsObject).Append(" 0 R]");
        }
        else
        {
            pdf.Append(ContentsObject).Append(" 0 R");
        }

        pdf.Append(">>\nendobj\n");
        if (framed)
        {
            _offsets[FrameContentsObject] = pdf.Length;
            AppendContents(pdf, FrameContentsObject, page, null, shifted.Rules, shifted.Text);
        }

        _prefix = pdf.ToArray();
        _prefixDigest = SHA256.HashData(_prefix);
    }

    public override long Size => _prefix.Length - FontObjects.Value.Bytes.Length + (4 * _offsets.Length);

    public override byte[] Write(LabelPlan plan, DateOnly date)
    {
        var offsets = (int[])_offsets.Clone();
        using var pdf = new AsciiBuffer(_prefix.Length + 8192);
        pdf.Append(_prefix);

        offsets[ContentsObject] = pdf.Length;
        using var identity = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        identity.AppendData(_prefixDigest);
        AppendContents(pdf, ContentsObject, _page, plan.Barcode, plan.VariableRectangles, plan.VariableText, identity);

        var created = "D:" + date.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "000000+00'00'";
        offsets[InfoObject] = pdf.Length;
        pdf.Append(InfoObject).Append(" 0 obj\n<</Title");
        AppendString(pdf, string.Join(' ', plan.VariableText.Take(2).Select(t => t.Text)));
        pdf.Append("/Creator(VbiOrleans.Labels)/CreationDate(").Append(created).Append(")/ModDate(").Append(created).Append(")>>\nendobj\n");

        int xref = pdf.Length;
        pdf.Append("xref\n0 ").Append(_objectCount + 1).Append("\n0000000000 65535 f \n");
        for (int i = 1; i <= _objectCount; i++)
        {
            pdf.AppendPadded(offsets[i], 10).Append(" 00000 n \n");
        }

        // The file identifier: 16 bytes of a hash of what the page shows (the template's part and the print's
        // operators) and the information dictionary, so the same label gets the same id.
        identity.AppendData(pdf.Written[offsets[InfoObject]..xref]);
        var id = identity.GetHashAndReset()[..16];
        pdf.Append("trailer\n<</Size ").Append(_objectCount + 1).Append("/Root ").Append(CatalogObject).Append(" 0 R/Info ").Append(InfoObject)
            .Append(" 0 R/ID[<").AppendHex(id).Append("><").AppendHex(id).Append(">]>>\nstartxref\n").Append(xref).Append("\n%%EOF\n");
        return pdf.ToArray();
    }

    /// <summary>A content stream object: the marks' operators, compressed.</summary>
    private static void AppendContents(AsciiBuffer pdf, int number, LabelPage page, BarcodePlacement? barcode, IEnumerable<DotRect> rectangles, IEnumerable<TextLine> text,
        IncrementalHash? identity = null)
    {
        using var content = new AsciiBuffer(16 * 1024);
        WriteContent(content, page, barcode, rectangles, text);
        identity?.AppendData(content.Written);
        using var compressed = new MemoryStream(content.Length);
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(content.Written);
        }

        pdf.Append(number).Append(" 0 obj\n<</Length ").Append((int)compressed.Length).Append("/Filter/FlateDecode>>\nstream\n")
            .Append(compressed.GetBuffer().AsSpan(0, (int)compressed.Length)).Append("\nendstream\nendobj\n");
    }

    /// <summary>
    /// Black fill; the rectangles in dots with the page's top-left corner as origin (the matrix scales a dot to
    /// 72/dpi points and turns y downwards); then each text line at its left edge and baseline, in points.
    /// The matrix's scale has six decimals: an error under 10^-6 is under a thousandth of a point across a page.
    /// </summary>
    private static void WriteContent(AsciiBuffer content, LabelPage page, BarcodePlacement? barcode, IEnumerable<DotRect> rectangles, IEnumerable<TextLine> text)
    {
        double pointsPerDot = 72.0 / page.Dpi;
        double pageHeight = page.HeightInches * 72;
        content.Append("0 g\nq ").Append(pointsPerDot, ScaleFormat).Append(" 0 0 ").Append(-pointsPerDot, ScaleFormat).Append(" 0 ").Append(pageHeight).Append(" cm\n");
        if (barcode is not null)
        {
            int m = barcode.ModuleDots;
            foreach (var run in ModuleRun.Of(barcode.Symbol))
            {
                AppendRectangle(content, barcode.Left + (run.Column * m), barcode.Top + (run.Row * m), run.Length * m, m);
            }
        }

        foreach (var rectangle in rectangles)
        {
            AppendRectangle(content, rectangle.Left, rectangle.Top, rectangle.Width, rectangle.Height);
        }

        content.Append("f\nQ\nBT\n");
        string? font = null;
        double size = 0;
        foreach (var line in text)
        {
            var lineFont = line.Bold ? "/F2 " : "/F1 ";
            double lineSize = Math.Round(line.SizeDots * pointsPerDot, 3);
            if (!ReferenceEquals(lineFont, font) || lineSize != size)
            {
                content.Append(lineFont).Append(lineSize).Append(" Tf\n");
                font = lineFont;
                size = lineSize;
            }

            content.Append("1 0 0 1 ").Append(line.X * pointsPerDot).Append(' ').Append(pageHeight - (line.Baseline * pointsPerDot)).Append(" Tm");
            AppendString(content, line.Text);
            content.Append("Tj\n");
        }

        content.Append("ET");
    }

    private static void AppendRectangle(AsciiBuffer content, int x, int y, int width, int height) =>
        content.Append(x).Append(' ').Append(y).Append(' ').Append(width).Append(' ').Append(height).Append(" re\n");

    /// <summary>
    /// A literal string of printable ASCII (codes 32 to 126 of WinAnsiEncoding, the subset's range) with the
    /// parentheses and backslash escaped. Anything else, which validated content never has, prints as '?'.
    /// </summary>
    private static void AppendString(AsciiBuffer pdf, string text)
    {
        pdf.Append('(');
        foreach (var c in text)
        {
            if (c is '(' or ')' or '\\')
            {
                pdf.Append('\\').Append(c);
            }
            else
            {
                pdf.Append(c is >= PdfFonts.FirstChar and <= PdfFonts.LastChar ? c : '?');
            }
        }

        pdf.Append(')');
    }

    private static (byte[] Bytes, int[] Offsets) BuildFonts()
    {
        var offsets = new int[BoldFontObject + 3];
        using var pdf = new AsciiBuffer(128 * 1024);

        // The second line's bytes above 127 mark the file as binary for tools that guess (ISO 32000-1, 7.5.2).
        pdf.Append("%PDF-1.4\n%").Append([0xE2, 0xE3, 0xCF, 0xD3]).Append('\n');
        AppendFont(pdf, offsets, RegularFontObject, PdfFonts.Regular);
        AppendFont(pdf, offsets, BoldFontObject, PdfFonts.Bold);
        return (pdf.ToArray(), offsets);
    }

    /// <summary>The font dictionary, its descriptor and its program as objects <paramref name="first"/> to first + 2.</summary>
    private static void AppendFont(AsciiBuffer pdf, int[] offsets, int first, PdfFont font)
    {
        offsets[first] = pdf.Length;
        pdf.Append(first).Append(" 0 obj\n<</Type/Font/Subtype/TrueType/BaseFont/").Append(font.BaseFont)
            .Append("/FirstChar ").Append((int)PdfFonts.FirstChar).Append("/LastChar ").Append((int)PdfFonts.LastChar)
            .Append("/Widths[").Append(string.Join(' ', font.Widths.Select(w => w.ToString(CultureInfo.InvariantCulture))))
            .Append("]/Encoding/WinAnsiEncoding/FontDescriptor ").Append(first + 1).Append(" 0 R>>\nendobj\n");

        offsets[first + 1] = pdf.Length;
        pdf.Append(first + 1).Append(" 0 obj\n<</Type/FontDescriptor/FontName/").Append(font.BaseFont).Append(font.DescriptorMetrics)
            .Append("/FontFile2 ").Append(first + 2).Append(" 0 R>>\nendobj\n");

        offsets[first + 2] = pdf.Length;
        pdf.Append(first + 2).Append(" 0 obj\n<<").Append(font.ProgramDictionary).Append("/Length ").Append(font.Program.Length)
            .Append(">>\nstream\n").Append(font.Program).Append("\nendstream\nendobj\n");
    }
}
