using VbiOrleans.DataMatrix;

namespace VbiOrleans.Labels.Layout;

/// <summary>A rectangle in printer dots; <see cref="Right"/> and <see cref="Bottom"/> are exclusive.</summary>
internal readonly record struct DotRect(int Left, int Top, int Right, int Bottom)
{
    public int Width => Right - Left;

    public int Height => Bottom - Top;

    public DotRect Union(DotRect other) =>
        new(Math.Min(Left, other.Left), Math.Min(Top, other.Top), Math.Max(Right, other.Right), Math.Max(Bottom, other.Bottom));

    public bool Intersects(DotRect other) =>
        Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;

    public DotRect Offset(int dx, int dy) => new(Left + dx, Top + dy, Right + dx, Bottom + dy);
}

/// <summary>One human-readable line: its left edge and baseline in dots, its size in dots (1 pt = dpi/72 dots).</summary>
internal sealed record TextLine(string Text, int X, int Baseline, float SizeDots, bool Bold);

/// <summary>The Data Matrix symbol: the top-left corner of its first module, and the module size in whole dots.</summary>
internal sealed record BarcodePlacement(DataMatrixSymbol Symbol, int Left, int Top, int ModuleDots)
{
    public int Width => Symbol.Columns * ModuleDots;

    public int Height => Symbol.Rows * ModuleDots;
}

/// <summary>
/// The Intelligent Mail package barcode: its bars as whole-dot rectangles (every format draws exactly these), the
/// module (X-dimension) in dots, the box of the symbol with its quiet zones, and the element strings it carries.
/// </summary>
internal sealed record LinearBarcodePlacement(IReadOnlyList<DotRect> Bars, int ModuleDots, DotRect WithQuietZones, IReadOnlyList<string> ElementStrings)
{
    public LinearBarcodePlacement Offset(int dx, int dy) =>
        this with { Bars = Bars.Select(b => b.Offset(dx, dy)).ToList(), WithQuietZones = WithQuietZones.Offset(dx, dy) };
}

/// <summary>The page a label is drawn on: its layout at a resolution, in inches and in whole printer dots.</summary>
internal sealed record LabelPage(LabelLayout Layout, int Dpi, double WidthInches, double HeightInches, int WidthDots, int HeightDots);

/// <summary>
/// The static part of a label: the marks the layout places from the template's inputs alone (the page, the printer's
/// shift, and on an addressed label the sender and the class banner), never from what changes from print to print.
/// A template draws them once; a print draws only the rest. <see cref="Bottom"/> is the lowest dot of the header
/// (below the banner's second rule) and <see cref="ShipToBottom"/> the lowest dot of "SHIP TO:" when the frame has it,
/// where the recipient's lines start.
/// </summary>
internal sealed record LabelFrame(IReadOnlyList<TextLine> Text, IReadOnlyList<DotRect> Rules, int Bottom, int? ShipToBottom)
{
    /// <summary>A letter's frame: nothing on the page is the same from print to print but the page itself.</summary>
    public static LabelFrame Empty { get; } = new([], [], 0, null);

    public LabelFrame Offset(int dx, int dy) => dx == 0 && dy == 0
        ? this
        : new(Text.Select(t => t with { X = t.X + dx, Baseline = t.Baseline + dy }).ToList(), Rules.Select(r => r.Offset(dx, dy)).ToList(), Bottom + dy, ShipToBottom + dy);
}

/// <summary>
/// Everything a label shows, positioned in printer dots from the page's top-left corner. The four writers only
/// translate a plan into their format, so PNG, PDF, SVG and ZPL put every mark in the same place. The marks are the
/// <see cref="Frame"/>'s (static, drawn once by the label's template) and the print's own (the Data Matrix, the
/// IMpb, <see cref="VariableText"/> and <see cref="VariableRules"/>).
/// Invariant (the clear zone): nothing of the plan is drawn inside <see cref="ClearZoneLeft"/> or <see cref="ClearZoneBelow"/>.
/// A test print (Printers/TestPrint) has no <see cref="Barcode"/>: no indicium, and nothing that could pass for one.
/// </summary>
internal sealed record LabelPlan(
    LabelLayout Layout,
    int Dpi,
    double WidthInches,
    double HeightInches,
    int WidthDots,
    int HeightDots,
    BarcodePlacement? Barcode,
    IReadOnlyList<TextLine> VariableText,
    IReadOnlyList<DotRect> VariableRules,
    DotRect IndiciumBlock,
    DotRect ClearZoneLeft,
    DotRect ClearZoneBelow,
    LinearBarcodePlacement? Impb = null)
{
    /// <summary>The static marks, already moved by the plan's shift; empty on a letter and a test print.</summary>
    public LabelFrame Frame { get; init; } = LabelFrame.Empty;

    /// <summary>Every text line: the frame's, then the print's.</summary>
    public IEnumerable<TextLine> Text => Frame.Text.Concat(VariableText);

    /// <summary>Every rule: the frame's, then the print's.</summary>
    public IEnumerable<DotRect> Rules => Frame.Rules.Concat(VariableRules);

    /// <summary>The print's black rectangles but the Data Matrix: its rules, then the IMpb's bars.</summary>
    public IEnumerable<DotRect> VariableRectangles => Impb is null ? VariableRules : VariableRules.Concat(Impb.Bars);

    public LabelPage Page => new(Layout, Dpi, WidthInches, HeightInches, WidthDots, HeightDots);

    /// <summary>
    /// The part of the printer's calibration shift the printer applies itself (ZPL's label home, which cannot be
    /// negative); everything above is already moved by the rest.
    /// </summary>
    public (int X, int Y) PrinterHome { get; init; }
}
