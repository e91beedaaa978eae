using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Printers;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Labels;
using VbiOrleans.Labels.Printers;

namespace VbiOrleans.Host.Api;

/// <summary>
/// The printer table as this host's API uses it: the operators' table from <see cref="IPrinterTableGrain"/>, kept
/// for at most <see cref="PrinterOptions.TableCacheSeconds"/> (a print costs no grain call for it), replaced at once by a
/// change an operator makes through this host, and never by an older version. One read at a time refreshes it.
/// </summary>
public sealed class PrinterTableCache(IGrainFactory grains, TimeProvider clock, IOptions<PrinterOptions> options)
{
    /// <summary>One version of the table: the printers customers use, and every printer (retired ones too) for operators.</summary>
    public sealed record Snapshot(long Version, PrinterTable Active, IReadOnlyList<PrinterRecord> All, DateTimeOffset ReadAt);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _current;

    public ValueTask<Snapshot> GetAsync()
    {
        var current = _current;
        return current is not null && Fresh(current) ? ValueTask.FromResult(current) : new ValueTask<Snapshot>(RefreshAsync());
    }

    /// <summary>Takes a table the grain answered (after an operator's change) unless this host has a newer one.</summary>
    public Snapshot Accept(PrinterTableView view)
    {
        var current = _current;
        if (current is not null && current.Version > view.Version) return current;
        var snapshot = new Snapshot(view.Version, PrinterTable.Of(view.Printers.Where(p => !p.Retired).Select(PrinterRecords.ToProfile)), view.Printers,
            clock.GetUtcNow());
        _current = snapshot;
        return snapshot;
    }

    private bool Fresh(Snapshot snapshot) => clock.GetUtcNow() - snapshot.ReadAt < options.Value.TableCache;

    private async Task<Snapshot> RefreshAsync()
    {
        await _refresh.WaitAsync();
        try
        {
            // Another request may have refreshed it while this one waited.
            if (_current is { } current && Fresh(current)) return current;
            return Accept(await grains.GetGrain<IPrinterTableGrain>(0).Get());
        }
        finally
        {
            _refresh.Release();
        }
    }
}

/// <summary>Printer profiles (VbiOrleans.Labels) and the printer table's records (the grain's), both ways.</summary>
public static class PrinterRecords
{
    public static PrinterRecord ToRecord(PrinterProfile p) =>
        new(p.Id, p.Name, p.Dpi, p.OffsetXDots, p.OffsetYDots, [.. p.Formats.Select(TestPrint.FormatName)], [.. p.Layouts.Select(TestPrint.LayoutName)], p.Media);

    /// <summary>The profile of a record; a format or layout name this build does not know makes it unusable (Check says so).</summary>
    public static PrinterProfile ToProfile(PrinterRecord r) =>
        new(r.Id, r.Name, r.Dpi, r.OffsetXDots, r.OffsetYDots, [.. r.Formats.Select(f => ParseFormat(f) ?? (LabelFormat)(-1))],
            [.. r.Layouts.Select(l => ParseLayout(l) ?? (LabelLayout)(-1))], r.Media);

    public static LabelFormat? ParseFormat(string? name) => name?.ToLowerInvariant() switch
    {
        "png" => LabelFormat.Png, "pdf" => LabelFormat.Pdf, "svg" => LabelFormat.Svg, "zpl" => LabelFormat.Zpl, _ => null,
    };

    public static LabelLayout? ParseLayout(string? name) => name?.ToLowerInvariant() switch
    {
        "label-4x6" => LabelLayout.Label4x6, "envelope-10" => LabelLayout.Envelope10, _ => null,
    };
}
