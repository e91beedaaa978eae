namespace VbiOrleans.Export.Sinks;

/// <summary>
/// Where the export's files go: the <c>dss</c> container of the archive's blob storage, or a folder. Names are
/// relative, with <c>/</c> between parts (<c>date=2026-12-07/transactions.parquet</c>). Each put replaces the whole
/// object at once. Failures surface as <see cref="ExportException"/> with <see cref="ExportFailure.SinkUnavailable"/>.
/// </summary>
public interface IExportSink
{
    string Description { get; }

    Task EnsureReadyAsync(CancellationToken cancellationToken);

    /// <summary>The names under <paramref name="prefix"/>, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken);

    Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);
}
