using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Printers;

namespace VbiOrleans.Grains.ClientSupport;

[GenerateSerializer]
public sealed class PrinterTableState
{
    [Id(0)] public long Version { get; set; }
    [Id(1)] public List<PrinterRecord> Printers { get; set; } = [];
}

/// <summary>The table a new system starts with (the host reads it from VbiOrleans.Labels' embedded printers.json).</summary>
public sealed record PrinterTableSeed(IReadOnlyList<PrinterRecord> Printers);

/// <summary>The printer table (see <see cref="IPrinterTableGrain"/>). Until an operator first changes it, it is the seed, version 1.</summary>
public sealed class PrinterTableGrain(
    [PersistentState(stateName: "printer-table", storageName: StorageNames.Commerce)] IPersistentState<PrinterTableState> table,
    PrinterTableSeed seed,
    TimeProvider clock) : Grain, IPrinterTableGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!table.RecordExists)
        {
            table.State.Version = 1;
            table.State.Printers = [.. seed.Printers];
        }
        return Task.CompletedTask;
    }

    public Task<PrinterTableView> Get() => Task.FromResult(View());

    public async Task<PrinterTableResult> Put(PrinterRecord printer)
    {
        var at = table.State.Printers.FindIndex(p => p.Id == printer.Id);
        if (at < 0 && table.State.Printers.Count >= IPrinterTableGrain.MaxPrinters)
            return new(ErrorCode.PrinterTableFull, $"the printer table holds {IPrinterTableGrain.MaxPrinters} printers, its bound; change or retire one instead", null);
        var stored = printer with { Retired = false, ChangedAt = clock.GetUtcNow() };
        var printers = table.State.Printers.ToList();
        if (at >= 0) printers[at] = stored;
        else printers.Add(stored);
        await CommitAsync(printers);
        return new(ErrorCode.None, null, View());
    }

    public async Task<PrinterTableResult> Retire(string printerId, string retiredBy)
    {
        var at = table.State.Printers.FindIndex(p => p.Id == printerId);
        if (at < 0) return new(ErrorCode.UnknownPrinter, $"printer '{printerId}' is not in the printer table", null);
        if (!table.State.Printers[at].Retired)
        {
            var printers = table.State.Printers.ToList();
            printers[at] = printers[at] with { Retired = true, ChangedBy = retiredBy, ChangedAt = clock.GetUtcNow() };
            await CommitAsync(printers);
        }
        return new(ErrorCode.None, null, View());
    }

    /// <summary>The new table under the next version, durably, or (the write failed) the table as it was.</summary>
    private async Task CommitAsync(List<PrinterRecord> printers)
    {
        var (version, before) = (table.State.Version, table.State.Printers);
        table.State.Version = version + 1;
        table.State.Printers = printers;
        try
        {
            await table.WriteStateAsync();
        }
        catch
        {
            (table.State.Version, table.State.Printers) = (version, before);
            throw;
        }
    }

    private PrinterTableView View() => new(table.State.Version, table.State.Printers.ToList());
}
