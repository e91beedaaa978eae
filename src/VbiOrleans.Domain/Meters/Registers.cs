using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Meters;

/// <summary>
/// The money registers of a PSD. AR (ascending register) is postage printed; DR (descending register) is postage
/// available; the control total AR + DR changes only when value enters (PVD) or leaves (withdrawal).
/// </summary>
public sealed record Registers(Mills Ascending, Mills Descending, long PieceCount)
{
    public static readonly Registers Empty = new(Mills.Zero, Mills.Zero, 0);

    public Mills ControlTotal => Ascending + Descending;
}

/// <summary>
/// Running totals of value that entered and left the meter. I1 conservation: at every committed state
/// AR + DR = TotalDownloaded - TotalWithdrawn (see <see cref="Psd.CheckConservation"/>).
/// </summary>
public sealed record MeterTotals(Mills TotalDownloaded, Mills TotalWithdrawn, Mills TotalRefunded)
{
    public static readonly MeterTotals Zero = new(Mills.Zero, Mills.Zero, Mills.Zero);
}

/// <summary>Limits that protect a meter and the postal revenue, configurable per deployment.</summary>
public sealed record MeterLimits(
    Mills MaxPostageValueDownload,
    Mills DescendingRegisterCeiling,
    Mills MaxPostagePerPiece,
    TimeSpan RefundWindow)
{
    /// <summary>$1,000 per PVD, $5,000 in the DR, $100 per piece, refunds within 30 days.</summary>
    public static readonly MeterLimits Default = new(new Mills(1_000_000), new Mills(5_000_000), new Mills(100_000), TimeSpan.FromDays(30));
}
