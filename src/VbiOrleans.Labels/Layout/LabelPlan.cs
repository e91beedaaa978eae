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

/// <summary>
/// Everything a label shows, positioned in printer dots from the page's top-left corner. The four writers only
/// translate a plan into their format, so PNG, PDF, SVG and ZPL put every mark in the same place.
/// Invariant (the clear zone): nothing of the plan is drawn inside <see cref="ClearZoneLeft"/> or <see cref="ClearZoneBelow"/>.
/// </summary>
internal sealed record LabelPlan(
    LabelLayout Layout,
    int Dpi,
    double WidthInches,
    double HeightInches,
    int WidthDots,
    int HeightDots,
    BarcodePlacement Barcode,
    IReadOnlyList<TextLine> Text,
    IReadOnlyList<DotRect> Rules,
    DotRect IndiciumBlock,
    DotRect ClearZoneLeft,
    DotRect ClearZoneBelow,
    LinearBarcodePlacement? Impb = null)
{
    /// <summary>Every black rectangle but the Data Matrix: the rules, then the IMpb's bars.</summary>
    public IEnumerable<DotRect> Rectangles => Impb is null ? Rules : Rules.Concat(Impb.Bars);

    /// <summary>
    /// The part of the printer's calibration shift the printer applies itself (ZPL's label home, which cannot be
    /// negative); everything above is already moved by the rest.
    /// </summary>
    public (int X, int Y) PrinterHome { get; init; }
}
