namespace VbiOrleans.Client;

/// <summary>A printer of the printer table: resolution, calibration shift (dots, right and down), formats, layouts and media.</summary>
public sealed record PrinterInfo(string Id, string Name, int Dpi, int OffsetXDots, int OffsetYDots, IReadOnlyList<string> Formats, IReadOnlyList<string> Layouts,
    string Media);

/// <summary>
/// The offset a customer's labels for a printer get: the customer's calibration (mils, and the printer's dots), the
/// printer profile's shift (dots), and their total, right (x) and down (y).
/// </summary>
public sealed record PrinterCalibrationInfo(string Printer, int Dpi, int XMils, int YMils, int XDots, int YDots, int PrinterXDots, int PrinterYDots,
    int TotalXDots, int TotalYDots);

/// <summary>A test print (SAMPLE - NOT POSTAGE, no indicium): the file's bytes (base64 in <see cref="Data"/>) and the offset it was printed with.</summary>
public sealed record TestPrintFile(string Printer, string Format, string Layout, int Dpi, PrinterCalibrationInfo Calibration, string ContentType,
    string FileName, string Data)
{
    public byte[] Bytes() => Convert.FromBase64String(Data);
}

/// <summary>An operator's printer: every member (a put replaces the printer). Formats: pdf, png, svg, zpl; layouts: label-4x6, envelope-10.</summary>
public sealed record PrinterSpec(string Name, int Dpi, int OffsetXDots, int OffsetYDots, IReadOnlyList<string> Formats, IReadOnlyList<string> Layouts,
    string Media);

/// <summary>The whole printer table as operators see it, retired printers included, and its version.</summary>
public sealed record PrinterTableInfo(long Version, IReadOnlyList<PrinterTableEntry> Printers);

public sealed record PrinterTableEntry(string Id, string Name, int Dpi, int OffsetXDots, int OffsetYDots, IReadOnlyList<string> Formats,
    IReadOnlyList<string> Layouts, string Media, bool Retired, string? ChangedBy, DateTimeOffset? ChangedAt);
