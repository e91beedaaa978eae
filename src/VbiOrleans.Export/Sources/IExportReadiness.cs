namespace VbiOrleans.Export.Sources;

/// <summary>
/// Whether the log's derived data is complete enough to export: the ledger's postings, the label fees and the
/// purchases' settlements are written by log-feed consumers, a moment after each PSD transaction commits. An export
/// that ran ahead of them would miss rows no later run of another day would bring.
/// </summary>
public interface IExportReadiness
{
    /// <summary>
    /// Returns once every consumer the export reads from has applied the log up to its head as it stood when the call
    /// began (so every record committed before the run is in the data it reads); throws <see cref="ExportException"/>
    /// with <see cref="ExportFailure.DayNotSettled"/>, naming the consumers behind, if that takes longer than the bound.
    /// </summary>
    Task WaitUntilSettledAsync(CancellationToken cancellationToken);
}
