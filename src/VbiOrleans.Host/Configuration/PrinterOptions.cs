namespace VbiOrleans.Host.Configuration;

/// <summary>The section <c>Vbi:Printers</c>: how the API keeps the printer table.</summary>
public sealed class PrinterOptions
{
    public const string Section = "Vbi:Printers";

    /// <summary>
    /// How long a host uses its copy of the printer table before it asks the printer-table grain again (seconds, 0 to
    /// 300; default 5). An operator's change made through a host is in that host's copy at once; every other host has
    /// it within this time. 0 asks the grain on every use.
    /// </summary>
    public int TableCacheSeconds { get; set; } = 5;

    public TimeSpan TableCache => TimeSpan.FromSeconds(Math.Clamp(TableCacheSeconds, 0, 300));
}
