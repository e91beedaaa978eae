using System.Security.Cryptography;
using VbiOrleans.Export.Sinks;
using VbiOrleans.Export.Sources;
using VbiOrleans.Export.Tables;

namespace VbiOrleans.Export;

/// <summary>
/// Exports one business day (a UTC date) to a sink: <c>date=YYYY-MM-DD/{table}.parquet</c> for each table, then
/// <c>_manifest.json</c>, last. In order: every table is read and encoded (nothing in the sink changes if that fails);
/// the day's manifest is removed, so no manifest vouches for files being replaced; everything else under the day that
/// this run does not write (a killed run's leftovers, a table no longer exported) is removed; the files are written;
/// the manifest is written. A run that dies anywhere before the end leaves the day without a manifest, and the next
/// run of the day completes it; the same log gives the same bytes. Before any of it, the run waits for the data the
/// log's consumers derive to be complete (<see cref="IExportReadiness"/>), when it is given one.
/// </summary>
public sealed class DayExport(IReadOnlyList<IExportTable> tables, IExportSink sink, int maxRowsPerTable, IExportReadiness? readiness = null)
{
    public static string Prefix(DateOnly day) => $"date={day:yyyy-MM-dd}/";

    public async Task<ExportResult> RunAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        try
        {
            if (readiness is not null) await readiness.WaitUntilSettledAsync(cancellationToken);
            var prefix = Prefix(day);
            var files = new List<(ExportedTable Table, byte[] Content)>();
            foreach (var table in tables.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                var rows = await table.ReadAsync(day, maxRowsPerTable, cancellationToken);
                var content = await ParquetTableWriter.WriteAsync(table.Columns, rows, cancellationToken);
                var sums = table.Columns.Select((c, i) => (c, i)).Where(x => x.c.IsMoney)
                    .Select(x => new MoneySum(x.c.Name, checked(rows.Sum(r => (long?)r[x.i] ?? 0)))).ToList();
                files.Add((new ExportedTable(table.Name, table.Name + ".parquet", rows.Count, content.Length,
                    Convert.ToHexStringLower(SHA256.HashData(content)), sums), content));
            }
            var manifest = new ExportManifest(ExportManifest.CurrentFormatVersion, day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                [.. files.Select(f => f.Table)]);

            await sink.EnsureReadyAsync(cancellationToken);
            await sink.DeleteAsync(prefix + ExportManifest.FileName, cancellationToken);
            var keep = files.Select(f => prefix + f.Table.File).ToHashSet(StringComparer.Ordinal);
            foreach (var leftover in (await sink.ListAsync(prefix, cancellationToken)).Where(n => !keep.Contains(n)))
                await sink.DeleteAsync(leftover, cancellationToken);
            foreach (var (table, content) in files) await sink.PutAsync(prefix + table.File, content, cancellationToken);

            ExportFaultPoints.Reached(ExportFaultPoints.BeforeManifest);
            await sink.PutAsync(prefix + ExportManifest.FileName, manifest.ToJson(), cancellationToken);
            return new ExportResult(ExportFailure.None, null, manifest);
        }
        catch (ExportException e)
        {
            return new ExportResult(e.Failure, e.Message, null);
        }
    }
}
