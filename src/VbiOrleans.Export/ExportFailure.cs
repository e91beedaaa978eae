namespace VbiOrleans.Export;

/// <summary>Why an export of a day did not complete. A failed run leaves no manifest for the day (or the previous one untouched).</summary>
public enum ExportFailure
{
    None = 0,
    /// <summary>The server (the log's source) is unreachable, timed out or answered with an error.</summary>
    SourceUnavailable = 1,
    /// <summary>The server refused the operator's credentials or the request.</summary>
    SourceRefused = 2,
    /// <summary>The destination (blob container or folder) could not be listed, written or cleaned.</summary>
    SinkUnavailable = 3,
    /// <summary>A table has more rows for the day than <see cref="ExportOptions.MaxRowsPerTable"/>.</summary>
    TooManyRows = 4,
    /// <summary>A log-feed consumer whose data the export reads (the ledger, fees, purchases) did not reach the log's
    /// head within <see cref="ExportOptions.SettleTimeout"/>: the day would be exported incomplete.</summary>
    DayNotSettled = 5,
}

/// <summary>How the export's parts report a named failure up to <see cref="DayExport"/>, which turns it into a result.</summary>
public sealed class ExportException(ExportFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public ExportFailure Failure { get; } = failure;
}

/// <summary>The outcome of exporting a day: the manifest written, or a named failure.</summary>
public sealed record ExportResult(ExportFailure Failure, string? Message, ExportManifest? Manifest)
{
    public bool IsSuccess => Failure == ExportFailure.None;
}
