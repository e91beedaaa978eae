namespace VbiOrleans.Abstractions.Printers;

/// <summary>
/// The printer table (the seed's Printer Driver Database, kept current by its Printer DB update service), key 0, in
/// the <c>commerce</c> store: the printer models labels are rendered for. A new system starts with the table embedded
/// in VbiOrleans.Labels (<c>printers.json</c>); operators add, change and retire printers. Every change raises
/// <see cref="PrinterTableView.Version"/>, so a host's cached copy knows it is current. The API checks a printer
/// (resolution, shift, formats, layouts) before it gets here; this grain keeps the table and its order.
/// </summary>
public interface IPrinterTableGrain : IGrainWithIntegerKey
{
    /// <summary>The most printers the table keeps, retired ones included.</summary>
    const int MaxPrinters = 500;

    Task<PrinterTableView> Get();

    /// <summary>Adds the printer, or replaces the one with its id (and un-retires it).</summary>
    Task<PrinterTableResult> Put(PrinterRecord printer);

    /// <summary>Retires a printer: customers no longer see it or print to it; operators still do, and a put brings it back.</summary>
    Task<PrinterTableResult> Retire(string printerId, string retiredBy);
}

/// <summary>
/// One printer of the table, as the API validated it: formats and layouts by their names (<c>png</c>, <c>label-4x6</c>),
/// the calibration shift in dots.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PrinterRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] int Dpi,
    [property: Id(3)] int OffsetXDots,
    [property: Id(4)] int OffsetYDots,
    [property: Id(5)] IReadOnlyList<string> Formats,
    [property: Id(6)] IReadOnlyList<string> Layouts,
    [property: Id(7)] string Media)
{
    [Id(8)] public bool Retired { get; init; }

    /// <summary>The operator who last changed it; null for a printer from the embedded table.</summary>
    [Id(9)] public string? ChangedBy { get; init; }

    [Id(10)] public DateTimeOffset? ChangedAt { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record PrinterTableView([property: Id(0)] long Version, [property: Id(1)] IReadOnlyList<PrinterRecord> Printers);

[GenerateSerializer, Immutable]
public sealed record PrinterTableResult([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] PrinterTableView? Table)
{
    public bool IsSuccess => Error == ErrorCode.None;
}

/// <summary>
/// A customer's calibration offset for one printer of the table, in thousandths of an inch (mils), right and down;
/// kept with the customer's account and applied to every label the customer renders for that printer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PrinterCalibration(
    [property: Id(0)] string PrinterId,
    [property: Id(1)] int XMils,
    [property: Id(2)] int YMils);
