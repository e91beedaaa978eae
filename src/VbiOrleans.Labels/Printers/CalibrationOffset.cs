namespace VbiOrleans.Labels.Printers;

/// <summary>
/// A customer's calibration offset for one printer, in thousandths of an inch (mils): how far every mark of a label
/// is moved, to the right (<see cref="XMils"/>) and down (<see cref="YMils"/>); negative moves left and up. Physical
/// units, so an offset stays right when the printer's resolution does; <see cref="ToDots"/> rounds to whole dots.
/// It comes on top of the printer profile's calibration shift.
/// </summary>
public readonly record struct CalibrationOffset(int XMils, int YMils)
{
    /// <summary>
    /// The largest offset either way, 0.125 in. With the profile's shift (at most <see cref="PrinterProfile.MaxOffsetInches"/>)
    /// a label moves at most a quarter inch, the margin every layout keeps, so nothing is moved off the page.
    /// </summary>
    public const int MaxMils = 125;

    public static CalibrationOffset None => default;

    public bool IsWithinBounds => Math.Abs(XMils) <= MaxMils && Math.Abs(YMils) <= MaxMils;

    /// <summary>The offset in whole dots at <paramref name="dpi"/>, rounded half away from zero (mils x dpi / 1000).</summary>
    public (int X, int Y) ToDots(int dpi) => (Dots(XMils, dpi), Dots(YMils, dpi));

    private static int Dots(int mils, int dpi) => (int)Math.Round((decimal)mils * dpi / 1000m, MidpointRounding.AwayFromZero);
}
