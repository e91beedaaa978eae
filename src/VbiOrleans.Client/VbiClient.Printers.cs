namespace VbiOrleans.Client;

/// <summary>Printer configuration: the printer table, test prints, calibration offsets, and the operators' changes to the table.</summary>
public sealed partial class VbiClient
{
    /// <summary>The printers labels can be rendered for (no credential needed).</summary>
    public Task<IReadOnlyList<PrinterInfo>> ListPrintersAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<PrinterInfo>>(HttpMethod.Get, "v1/printers", null, Credentials.None, null,
            async (r, t) => await ReadSuccessAsync<List<PrinterInfo>>(r, t), cancellationToken);

    /// <summary>
    /// A test print for a printer (its first layout and format unless named): marked SAMPLE - NOT POSTAGE, no indicium,
    /// with corner marks and rulers to measure the printer's shift, printed with the customer's calibration. Charges nothing.
    /// </summary>
    public Task<TestPrintFile> TestPrintAsync(string printerId, string? layout = null, string? format = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/printers/test-print", new { printer = printerId, layout, format }, Credentials.Customer, null,
            ReadSuccessAsync<TestPrintFile>, cancellationToken);

    /// <summary>The customer's calibration offset for a printer (0, 0 until set).</summary>
    public Task<PrinterCalibrationInfo> GetPrinterCalibrationAsync(string printerId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, PrinterPath(printerId) + "/calibration", null, Credentials.Customer, null, ReadSuccessAsync<PrinterCalibrationInfo>,
            cancellationToken);

    /// <summary>
    /// Keeps the customer's calibration offset for a printer, in thousandths of an inch: <paramref name="xMils"/> right,
    /// <paramref name="yMils"/> down (negative: left, up), each at most 125. Every label for that printer gets it.
    /// </summary>
    public Task<PrinterCalibrationInfo> SetPrinterCalibrationAsync(string printerId, int xMils, int yMils, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, PrinterPath(printerId) + "/calibration", new { xMils, yMils }, Credentials.Customer, null,
            ReadSuccessAsync<PrinterCalibrationInfo>, cancellationToken);

    /// <summary>Operators: the whole printer table, retired printers included.</summary>
    public Task<PrinterTableInfo> GetPrinterTableAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/operator/printers", null, Credentials.Operator, null, ReadSuccessAsync<PrinterTableInfo>, cancellationToken);

    /// <summary>Operators: adds or replaces a printer (and brings a retired one back).</summary>
    public Task<PrinterTableInfo> PutPrinterAsync(string printerId, PrinterSpec printer, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, "v1/operator/printers/" + Uri.EscapeDataString(printerId), printer, Credentials.Operator, null,
            ReadSuccessAsync<PrinterTableInfo>, cancellationToken);

    /// <summary>Operators: retires a printer; customers no longer see it or print to it.</summary>
    public Task<PrinterTableInfo> RetirePrinterAsync(string printerId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "v1/operator/printers/" + Uri.EscapeDataString(printerId), null, Credentials.Operator, null,
            ReadSuccessAsync<PrinterTableInfo>, cancellationToken);

    private static string PrinterPath(string printerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(printerId);
        return "v1/printers/" + Uri.EscapeDataString(printerId);
    }
}
